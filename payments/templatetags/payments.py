"""Template helpers for prices, refund policies and payment states."""

from __future__ import annotations

from django import template

from payments import money

register = template.Library()


@register.simple_tag
def money_of(amount, currency) -> str:
    """{% money_of 5000 "USD" %} → $50.00"""
    if amount is None or not currency:
        return ""
    return money.format_money(int(amount), currency)


@register.simple_tag
def price_of(event_type) -> str:
    """'$50.00 deposit' / '$50.00' for a type with a price, '' otherwise."""
    if not event_type.takes_payment:
        return ""
    text = money.format_money(event_type.price_amount, event_type.price_currency)
    return f"{text} deposit" if event_type.payment_mode == "deposit" else text


@register.simple_tag
def policy_of(event_type) -> str:
    if not event_type.takes_payment:
        return ""
    return (
        f"Full refund if you cancel at least {event_type.refund_full_hours} hours before the "
        f"start, {event_type.refund_partial_percent}% after that, nothing once it has started "
        "or if you do not come."
    )


@register.simple_tag
def guest_refund(booking) -> str:
    """What the guest would get back for cancelling now, formatted; '' without a payment."""
    from payments import services

    payment = services.payment_of(booking)
    if payment is None or not payment.is_paid:
        return ""
    return money.format_money(services.guest_cancel_refund(booking), payment.currency)


@register.simple_tag
def payment_of(booking):
    from payments import services

    return services.payment_of(booking)
