"""The chat page: a guest types, sees what was understood and free times as buttons.

The conversation (last turns and the last intent, which follow-ups refine) lives in the
guest's session, per host. Buttons open the usual booking form, prefilled with the start.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import handle_is
from assistant.conversation import MAX_MESSAGE_LENGTH, Answer, answer, describe_proposal
from assistant.intent import Intent
from availability.timezones import is_known_timezone, timezone_choices
from bookings.models import EventType
from security.ratelimits import rate_limit

MAX_TURNS = 10


def _session_key(host) -> str:
    return f"assistant:{host.pk}"


def _turn(host, message: str, result: Answer, zone_name: str) -> dict:
    proposals = []
    for proposal in result.proposals:
        query = urlencode({"start": proposal.slot.start.isoformat(), "tz": zone_name})
        book_path = reverse("event-book", args=[host.handle, proposal.event_type.slug])
        proposals.append(
            {
                "label": describe_proposal(proposal, zone_name, host),
                "url": f"{book_path}?{query}",
                "start": proposal.slot.start.isoformat(),
            }
        )
    return {
        "message": message,
        "summary": result.summary,
        "reply": result.reply,
        "questions": result.questions,
        "suggestions": result.suggestions,
        "proposals": proposals,
        "understood": result.understood,
    }


def _previous_intent(state: dict) -> Intent | None:
    try:
        return Intent.from_session(state["intent"]) if state.get("intent") else None
    except (KeyError, TypeError, ValueError):
        return None


@rate_limit("assistant-per-ip", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def chat(request, handle: str):
    host = get_object_or_404(get_user_model(), handle_is(handle), is_active=True)
    key = _session_key(host)
    state = request.session.get(key) or {"turns": [], "intent": None}
    raw_zone = request.POST.get("timezone") or request.GET.get("tz") or ""
    zone_name = raw_zone if is_known_timezone(raw_zone) else host.timezone
    error = ""
    message = ""
    if request.method == "POST":
        if "reset" in request.POST:
            state = {"turns": [], "intent": None}
        else:
            message = (request.POST.get("message") or "").replace("\x00", " ").strip()
            if not message:
                error = "Write what you are looking for, e.g. \u201cnext Tuesday afternoon\u201d."
            elif len(message) > MAX_MESSAGE_LENGTH:
                error = f"Keep it under {MAX_MESSAGE_LENGTH:,} characters, please."
            else:
                result = answer(
                    host, message, guest_zone=zone_name, previous=_previous_intent(state)
                )
                state["turns"] = [*state["turns"], _turn(host, message, result, zone_name)][
                    -MAX_TURNS:
                ]
                if result.understood:
                    state["intent"] = result.intent.to_session()
                message = ""
        request.session[key] = state
        if not request.htmx and not error:
            return redirect(f"{request.path}?{urlencode({'tz': zone_name})}")
    context = {
        "host": host,
        "turns": state["turns"],
        "error": error,
        "message": message[:MAX_MESSAGE_LENGTH],
        "zone_name": zone_name,
        "timezone_choices": timezone_choices(),
        "tz_was_given": bool(raw_zone),
        "max_length": MAX_MESSAGE_LENGTH,
        "has_event_types": EventType.objects.for_host(host).active().exists(),
    }
    template = "assistant/_conversation.html" if request.htmx else "assistant/chat.html"
    # htmx swaps only 2xx answers; a page post with an error says 400.
    status = 400 if error and not request.htmx else 200
    return render(request, template, context, status=status)
