"""Error reporting to Sentry without personal data.

send_default_pii stays off (no cookies, user or client IP), request bodies and local variables
are never sent, and before_send / before_breadcrumb run every event and breadcrumb through the
same scrubbing as the logs: emails masked, tokens and provider secrets cut from messages,
exception values, URLs, query strings and headers, and fields named like names, notes, emails or
tokens dropped.
"""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from security.scrub import scrub_data


def before_send(event: dict, hint: dict) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        headers = request.get("headers") or {}
        for header in list(headers):
            if header.lower() in ("cookie", "authorization", "referer", "x-csrftoken"):
                headers.pop(header)
    event.pop("user", None)
    return scrub_data(event)


def before_breadcrumb(crumb: dict, hint: dict) -> dict:
    return scrub_data(crumb)


def init_sentry(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,
        before_send_transaction=before_send,
        before_breadcrumb=before_breadcrumb,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(),
        ],
    )
