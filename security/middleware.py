"""Request ids and the response headers Django has no setting for."""

from __future__ import annotations

import re
import uuid

import sentry_sdk
from django.conf import settings
from django.core.signals import request_finished

from security.logs import request_id_var

# Accept a caller's id only if it is short and plain, so it cannot forge log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Take X-Request-ID from the proxy (or make one), log with it, and send it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Left set until the response is closed (request_finished): Django logs 4xx/5xx
        # responses only after the middleware chain has returned.
        request_id_var.set(request_id)
        # The same id on the Sentry event as on the log lines (a no-op without SENTRY_DSN).
        sentry_sdk.set_tag("request_id", request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _forget_request_id(**kwargs) -> None:
    request_id_var.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="security-forget-request-id")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
