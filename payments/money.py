"""Pure money maths: minor units, formatting with babel, and the refund policy.

Amounts are integers in the currency's minor units; how many digits a currency has comes from
babel's CLDR data (USD 2, JPY 0, BHD 3), so "5000 USD" is $50.00 and "5000 JPY" is ¥5,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision, list_currencies

HOLD_CAPTURE_WINDOW = dt.timedelta(days=6)


def is_currency(code: str) -> bool:
    return code.upper() in list_currencies()


def decimals_of(currency: str) -> int:
    return get_currency_precision(currency.upper())


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-decimals_of(currency))


def to_minor(value: Decimal, currency: str) -> int:
    """50.00 USD → 5000; raises ValueError for more decimals than the currency has."""
    digits = decimals_of(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} takes at most {digits} decimals")
    return int(scaled)


def format_money(amount: int, currency: str, locale: str = "en_US") -> str:
    return format_currency(to_major(amount, currency), currency.upper(), locale=locale)


def refund_percent(
    *, start: dt.datetime, now: dt.datetime, full_hours: int, partial_percent: int
) -> int:
    """The share a guest gets back for cancelling at `now`: all of it at least `full_hours`
    before the start (exactly on the boundary counts), `partial_percent` after that until the
    start, nothing from the start on."""
    if now >= start:
        return 0
    if start - now >= dt.timedelta(hours=full_hours):
        return 100
    return partial_percent


def share(amount: int, percent: int) -> int:
    """`percent` of `amount` in minor units, half a unit rounded up."""
    return (amount * percent + 50) // 100


def captures_later(*, start: dt.datetime, now: dt.datetime) -> bool:
    """Meetings within 6 days are only authorised and captured at the start: an authorisation
    lasts 7 days at Stripe, so anything further out is captured at once."""
    return start - now <= HOLD_CAPTURE_WINDOW
