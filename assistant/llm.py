"""Optional: an OpenAI-compatible chat-completions model reads the message instead of the grammar.

Used only when ASSISTANT_LLM_URL, ASSISTANT_LLM_MODEL and ASSISTANT_LLM_API_KEY are all set.
The model sees the message, today's date, the guest's and host's zones and this host's own
event types (slug, title, length) and nothing else; it returns the intent JSON, which is
validated against INTENT_SCHEMA and the host's offers. It never books. Any error, a timeout
(3 s, no retries) or invalid output returns None, and the deterministic parser answers.

The client is the `openai` package (the reference client of the wire format most local and
hosted servers speak), configured with base_url, so tests run it against a local fake.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

import jsonschema
from django.conf import settings

from assistant.grammar import MAX_SPAN_DAYS, Offer
from assistant.intent import INTENT_SCHEMA, Intent, Understanding, parse_hhmm
from availability.timezones import is_known_timezone

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0

SYSTEM_PROMPT = """You turn a guest's request for a meeting into JSON. Answer with one JSON object
and nothing else, matching this JSON schema:
{schema}
Conventions: dates are local dates in "timezone", inclusive. A weekday or "this <weekday>" is the
first such day on or after today; "next <weekday>" the first after today; "this week" is today to
Sunday; "next week" next Monday to Sunday. Morning 08:00-12:00, afternoon 12:00-17:00, evening
17:00-21:00. "earliest"/"latest" bound the meeting: it starts at or after earliest and ends by
latest; "at 9:30" means earliest 09:30 and latest 09:30 plus the duration. "timezone" is the zone
the guest names, else the guest's zone. "event_type" is one of the slugs below or null.
Today is {today} ({weekday}) in the guest's zone {guest_zone}; the host's zone is {host_zone}.
Event types: {offers}"""


def is_configured() -> bool:
    return bool(
        settings.ASSISTANT_LLM_URL
        and settings.ASSISTANT_LLM_MODEL
        and settings.ASSISTANT_LLM_API_KEY
    )


def _client():
    import openai

    return openai.OpenAI(
        base_url=settings.ASSISTANT_LLM_URL,
        api_key=settings.ASSISTANT_LLM_API_KEY,
        timeout=TIMEOUT_SECONDS,
        max_retries=0,
    )


def extract_intent(
    message: str, *, now: dt.datetime, guest_zone: str, host_zone: str, offers: list[Offer]
) -> Intent | None:
    today = now.astimezone(ZoneInfo(guest_zone)).date()
    prompt = SYSTEM_PROMPT.format(
        schema=json.dumps(INTENT_SCHEMA),
        today=today.isoformat(),
        weekday=f"{today:%A}",
        guest_zone=guest_zone,
        host_zone=host_zone,
        offers=json.dumps(
            [
                {
                    "slug": offer.slug,
                    "title": offer.title,
                    "duration_minutes": offer.duration_minutes,
                }
                for offer in offers
            ]
        ),
    )
    try:
        completion = _client().chat.completions.create(
            model=settings.ASSISTANT_LLM_MODEL,
            messages=[
                {"role": "system", "content": prompt},
                {"role": "user", "content": message},
            ],
            response_format={"type": "json_object"},
            temperature=0,
        )
        content = completion.choices[0].message.content or ""
    except Exception as error:  # any failure of the model service falls back to the parser
        logger.warning("assistant model unavailable: %s", type(error).__name__)
        return None
    intent = validate(content, offers=offers, today=today)
    if intent is None:
        logger.warning("assistant model answered with an invalid intent")
    return intent


def validate(content: str, *, offers: list[Offer], today: dt.date) -> Intent | None:
    """The model's answer as an Intent, or None when it breaks the schema or the host's facts."""
    try:
        data = json.loads(content)
        jsonschema.validate(data, INTENT_SCHEMA)
        start = dt.date.fromisoformat(data["start"])
        end = dt.date.fromisoformat(data["end"])
        earliest = parse_hhmm(data["earliest"])
        latest = parse_hhmm(data["latest"])
    except (ValueError, TypeError, jsonschema.ValidationError):
        return None
    slugs = {offer.slug: offer for offer in offers}
    if data["event_type"] is not None and data["event_type"] not in slugs:
        return None
    if not is_known_timezone(data["timezone"]):
        return None
    if end < start or (end - start).days >= MAX_SPAN_DAYS or start < today - dt.timedelta(days=1):
        return None
    if earliest is not None and latest is not None and earliest >= latest:
        return None
    duration = data["duration_minutes"]
    if data["event_type"] is not None:
        duration = slugs[data["event_type"]].duration_minutes
    return Intent(
        start=start,
        end=end,
        timezone=data["timezone"],
        event_type=data["event_type"],
        duration_minutes=duration,
        earliest=earliest,
        latest=latest,
    )


def as_understanding(intent: Intent, parsed: Understanding) -> Understanding:
    """The model's intent in place of the parser's; who the guest named still comes from the
    parser, which also keeps "later"/"earlier" nudges for follow-ups."""
    return Understanding(
        intent=intent,
        dates_given=True,
        times_given=intent.earliest is not None or intent.latest is not None or parsed.times_given,
        duration_given=intent.duration_minutes is not None,
        type_given=intent.event_type is not None,
        zone_given=intent.timezone != parsed.intent.timezone or parsed.zone_given,
        someone_else=parsed.someone_else,
        nudge=parsed.nudge,
        problems=[],
    )
