"""What booking emails say about money: the amount paid or held, the policy, the refund.

`payment_snapshot` is stored in each email's snapshot when the email is decided (so a later
refund does not change what an earlier email says); `payment_lines` turns it into sentences.
"""

from __future__ import annotations

from django.db.models import Sum

from payments import money
from payments.models import Payment, RefundStatus

CANCELLATION_KINDS = {
    "booking_cancelled",
    "request_declined",
    "host_guest_cancelled",
    "payment_refunded",
}


def payment_snapshot(booking) -> dict:
    relation = type(booking).payment.related
    if relation.is_cached(booking) and relation.get_cached_value(booking) is None:
        return {}  # known to have none: made just now without a hold (bookings.services)
    # Read afresh otherwise: a payment held on the booking may be older than its refunds.
    payment = Payment.objects.filter(booking_id=booking.pk).first()
    if payment is None:
        return {}
    owed = (
        payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    event_type = booking.event_type
    return {
        "payment": {
            "amount": payment.amount,
            "currency": payment.currency,
            "status": payment.status,
            "held": payment.status == "authorized",
            "mode": payment.mode,
            "refund": max(owed, payment.refunded_amount),
            "full_hours": event_type.refund_full_hours,
            "partial_percent": event_type.refund_partial_percent,
        }
    }


def payment_lines(kind: str, snapshot: dict, *, to_guest: bool) -> list[str]:
    payment = snapshot.get("payment")
    if not payment or kind in ("reminder",):
        return []
    currency = payment["currency"]
    amount = money.format_money(payment["amount"], currency)
    if kind in CANCELLATION_KINDS:
        refund = money.format_money(payment["refund"], currency)
        if to_guest:
            return [
                f"Refund: you will get {refund} back." if payment["refund"] else "Refund: none."
            ]
        return [f"Refund to the guest: {refund} of {amount}."]
    what = "deposit" if payment["mode"] == "deposit" else "price"
    if payment["held"]:
        paid = f"{amount} {what} held on the card, taken when the meeting starts."
    else:
        paid = f"{amount} {what} paid."
    policy = (
        f"Refund policy: full refund when cancelled at least {payment['full_hours']} hours "
        f"before the start, {payment['partial_percent']}% after that, nothing once it has "
        "started or for a no-show."
    )
    return [paid, policy]
