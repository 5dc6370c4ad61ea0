"""The one place that talks to Stripe, through the `stripe` package.

Services call these functions with our own values and get plain dicts of what they need back;
Stripe's wire details stay here. Charges are direct charges on the host's connected account
(the `Stripe-Account` header). Every call that creates or changes money carries an idempotency
key chosen by the caller. Any failure to reach Stripe, or a refusal by it, is a StripeUnavailable.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings

WEBHOOK_TOLERANCE_SECONDS = 300


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the call."""


class InvalidSignature(Exception):
    """A webhook body whose signature is missing, wrong or too old."""


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE, "connect": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def _call(method, params: dict | None = None, **options):
    try:
        result = method(params or {}, options={k: v for k, v in options.items() if v})
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error.user_message or error}") from error
    return result.to_dict() if hasattr(result, "to_dict") else result


# --- Connect ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountState:
    account_id: str
    charges_enabled: bool
    details_submitted: bool


def _account_state(account: dict) -> AccountState:
    return AccountState(
        account_id=account["id"],
        charges_enabled=bool(account.get("charges_enabled")),
        details_submitted=bool(account.get("details_submitted")),
    )


def create_account(*, email: str, idempotency_key: str) -> AccountState:
    account = _call(
        _client().v1.accounts.create,
        {"type": "standard", "email": email},
        idempotency_key=idempotency_key,
    )
    return _account_state(account)


def retrieve_account(account_id: str) -> AccountState:
    try:
        account = _client().v1.accounts.retrieve(account_id)
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error}") from error
    return _account_state(account.to_dict())


def account_state_of(account: dict) -> AccountState:
    """The state carried by an account.updated event's object."""
    return _account_state(account)


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> str:
    link = _call(
        _client().v1.account_links.create,
        {
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        },
    )
    return link["url"]


# --- Checkout and payment intents ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open, complete, expired
    payment_status: str  # unpaid, paid, no_payment_required
    payment_intent_id: str


def _session(session: dict) -> CheckoutSession:
    intent = session.get("payment_intent") or ""
    if isinstance(intent, dict):
        intent = intent.get("id", "")
    return CheckoutSession(
        id=session["id"],
        url=session.get("url") or "",
        status=session.get("status") or "",
        payment_status=session.get("payment_status") or "",
        payment_intent_id=intent,
    )


def create_checkout_session(
    *,
    account_id: str,
    booking_uid: str,
    product_name: str,
    amount: int,
    currency: str,
    customer_email: str,
    manual_capture: bool,
    expires_at: dt.datetime,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> CheckoutSession:
    metadata = {"booking_uid": booking_uid}
    session = _call(
        _client().v1.checkout.sessions.create,
        {
            "mode": "payment",
            "client_reference_id": booking_uid,
            "customer_email": customer_email,
            "metadata": metadata,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": amount,
                        "product_data": {"name": product_name},
                    },
                }
            ],
            "payment_intent_data": {
                "capture_method": "manual" if manual_capture else "automatic",
                "metadata": metadata,
            },
            "expires_at": int(expires_at.timestamp()),
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        stripe_account=account_id,
        idempotency_key=idempotency_key,
    )
    return _session(session)


def retrieve_checkout_session(*, account_id: str, session_id: str) -> CheckoutSession:
    try:
        session = _client().v1.checkout.sessions.retrieve(
            session_id, options={"stripe_account": account_id}
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error}") from error
    return _session(session.to_dict())


def expire_checkout_session(*, account_id: str, session_id: str) -> CheckoutSession:
    """Close an open session so it can no longer be paid; raises if it is not open."""
    try:
        session = _client().v1.checkout.sessions.expire(
            session_id, options={"stripe_account": account_id}
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error}") from error
    return _session(session.to_dict())


@dataclass(frozen=True)
class IntentState:
    id: str
    status: str  # requires_payment_method, requires_capture, succeeded, canceled, ...
    amount: int
    amount_capturable: int
    amount_received: int
    amount_refunded: int
    currency: str


def _intent(intent: dict) -> IntentState:
    charge = intent.get("latest_charge")
    refunded = charge.get("amount_refunded", 0) if isinstance(charge, dict) else 0
    return IntentState(
        id=intent["id"],
        status=intent.get("status") or "",
        amount=intent.get("amount") or 0,
        amount_capturable=intent.get("amount_capturable") or 0,
        amount_received=intent.get("amount_received") or 0,
        amount_refunded=refunded or 0,
        currency=(intent.get("currency") or "").upper(),
    )


def retrieve_payment_intent(*, account_id: str, intent_id: str) -> IntentState:
    try:
        intent = _client().v1.payment_intents.retrieve(
            intent_id,
            {"expand": ["latest_charge"]},
            options={"stripe_account": account_id},
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error}") from error
    return _intent(intent.to_dict())


def capture_payment_intent(
    *, account_id: str, intent_id: str, amount: int, idempotency_key: str
) -> IntentState:
    try:
        intent = _client().v1.payment_intents.capture(
            intent_id,
            {"amount_to_capture": amount, "expand": ["latest_charge"]},
            options={"stripe_account": account_id, "idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error}") from error
    return _intent(intent.to_dict())


def cancel_payment_intent(*, account_id: str, intent_id: str, idempotency_key: str) -> IntentState:
    try:
        intent = _client().v1.payment_intents.cancel(
            intent_id,
            {"expand": ["latest_charge"]},
            options={"stripe_account": account_id, "idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise StripeUnavailable(f"{type(error).__name__}: {error}") from error
    return _intent(intent.to_dict())


def create_refund(*, account_id: str, intent_id: str, amount: int, idempotency_key: str) -> str:
    refund = _call(
        _client().v1.refunds.create,
        {"payment_intent": intent_id, "amount": amount},
        stripe_account=account_id,
        idempotency_key=idempotency_key,
    )
    return refund["id"]


# --- Webhooks --------------------------------------------------------------------------------


def verify_event(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event in a webhook body whose signature checks out against the endpoint secret."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature or "", secret, WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise InvalidSignature(str(error)) from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise InvalidSignature("the body is not a Stripe event")
    return event
