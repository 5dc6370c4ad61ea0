"""The `payment` object of the public API's booking shape."""

from __future__ import annotations

from bookings.models import Booking, BookingStatus
from payments.models import Payment


def payment_payload(booking: Booking) -> dict:
    """{"payment": {...}} for a booking of a paid type, {} otherwise."""
    try:
        payment = booking.payment
    except Payment.DoesNotExist:
        return {}
    waiting = booking.status == BookingStatus.AWAITING_PAYMENT
    return {
        "payment": {
            "status": payment.status,
            "amount": payment.amount,
            "currency": payment.currency,
            "refunded_amount": payment.refunded_amount,
            "checkout_url": payment.checkout_url if waiting and payment.checkout_url else None,
        }
    }
