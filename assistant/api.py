"""POST /api/v1/<handle>/assistant: a message in, the understood intent and free slots out.

Nothing is booked here. Errors use the API's shape {"error", "code", "details"}.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from accounts.models import handle_is
from assistant.conversation import MAX_MESSAGE_LENGTH, answer
from availability.timezones import is_known_timezone
from bookings.api import ApiError, api_view, read_json_object
from security.ratelimits import rate_limit

logger = logging.getLogger(__name__)


def read_message(raw: str | None) -> str:
    """The guest's message, or ApiError when it is missing or too long."""
    message = (raw or "").replace("\x00", " ").strip()
    if not message:
        raise ApiError(
            "Write what you are looking for, e.g. 'an intro next Tuesday afternoon'.",
            details={"message": ["This field is required."]},
        )
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ApiError(
            f"Keep the message under {MAX_MESSAGE_LENGTH:,} characters.",
            details={"message": [f"At most {MAX_MESSAGE_LENGTH:,} characters."]},
        )
    return message


@rate_limit("assistant-per-ip")
@api_view("POST")
def assistant(request, handle: str):
    host = get_object_or_404(get_user_model(), handle_is(handle), is_active=True)
    body = read_json_object(request, {"message": True, "timezone": False})
    message = read_message(body.get("message"))
    zone_name = body.get("timezone") or host.timezone
    if not is_known_timezone(zone_name):
        raise ApiError(
            "Unknown timezone: use an IANA name such as Europe/London.",
            details={"timezone": ["Unknown timezone."]},
        )
    return JsonResponse(answer(host, message, guest_zone=zone_name).public())
