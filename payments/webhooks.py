"""Stripe webhook endpoints: the platform's own events and those of connected accounts.

The signature is checked on the raw body against the endpoint's secret (300 s tolerance); a bad
or stale one gets 400 and changes nothing. The event is stored by its id before anything else,
then processed once (payments.services.process_event). A processing failure answers 500 so
Stripe delivers again; the reconcile job retries it too, and the admin shows the error.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import services, stripe_api
from security.ratelimits import rate_limit_exempt

logger = logging.getLogger(__name__)
PROVIDER_WEBHOOK = "provider webhook: signature-verified, retried by Stripe from few addresses"


def _receive(request, *, endpoint: str, secret: str):
    if not secret:
        return JsonResponse({"error": "Webhooks are not configured."}, status=400)
    try:
        event = stripe_api.verify_event(
            request.body, request.headers.get("Stripe-Signature"), secret
        )
    except stripe_api.InvalidSignature:
        logger.warning("stripe webhook refused: bad signature endpoint=%s", endpoint)
        return JsonResponse({"error": "Invalid signature."}, status=400)
    services.record_event(event, endpoint=endpoint)
    try:
        services.process_event(event["id"])
    except Exception:
        logger.exception("stripe event %s failed", event["id"])
        return JsonResponse({"error": "Processing failed; it will be retried."}, status=500)
    return JsonResponse({"received": True})


@rate_limit_exempt(PROVIDER_WEBHOOK)
@csrf_exempt
@require_POST
def platform_webhook(request):
    return _receive(request, endpoint="platform", secret=settings.STRIPE_WEBHOOK_SECRET)


@rate_limit_exempt(PROVIDER_WEBHOOK)
@csrf_exempt
@require_POST
def connect_webhook(request):
    return _receive(request, endpoint="connect", secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET)
