"""One turn of the booking assistant: a message (and the last intent) in, a reply out.

Reads only: the assistant proposes free slots from the slot engine and never books; the guest
books through the usual booking form and service.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from assistant import llm
from assistant.grammar import Offer, choose_offer, name_tokens, understand
from assistant.intent import Intent, Understanding, hhmm
from assistant.zones import zone_label
from availability.loader import find_slots
from availability.slots import Slot
from bookings.models import EventType

logger = logging.getLogger(__name__)

MAX_PROPOSALS = 5
MAX_MESSAGE_LENGTH = 1000
EXAMPLE = (
    "For example: \u201can intro next Tuesday afternoon\u201d or "
    "\u201c30 minutes tomorrow after 3pm\u201d."
)


@dataclass(frozen=True)
class Proposal:
    event_type: EventType
    slot: Slot
    zone: ZoneInfo

    @property
    def local_start(self) -> dt.datetime:
        return self.slot.start.astimezone(self.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.slot.end.astimezone(self.zone)

    def public(self) -> dict:
        return {
            "event_type": self.event_type.slug,
            "start": self.local_start.isoformat(),
            "end": self.local_end.isoformat(),
            "seats_left": self.slot.seats_left,
        }


@dataclass
class Answer:
    reply: str
    intent: Intent
    proposals: list[Proposal] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    # The understanding in words: "Tuesday 3 March, 12:00–17:00 London time".
    summary: str = ""
    understood: bool = True
    guest_zone: str = "UTC"
    # Replies the chat offers as buttons ("Intro call", "30 minutes").
    suggestions: list[str] = field(default_factory=list)

    def public(self) -> dict:
        return {
            "reply": self.reply,
            "intent": self.intent.public(),
            "proposals": [proposal.public() for proposal in self.proposals],
            "questions": self.questions,
        }


def offers_of(event_types: list[EventType]) -> list[Offer]:
    return [Offer(item.slug, item.title, item.duration_minutes) for item in event_types]


def host_names(host) -> set[str]:
    return name_tokens(f"{host.display_name} {host.handle}")


def refine(previous: Intent | None, reading: Understanding) -> Intent:
    """The new intent: what the message said, and the rest kept from the previous turn."""
    new = reading.intent
    if previous is None:
        return new
    merged = previous
    if reading.zone_given:
        merged = merged.but(timezone=new.timezone)
    if reading.dates_given:
        merged = merged.but(start=new.start, end=new.end, days=new.days)
    if reading.times_given:
        merged = merged.but(earliest=new.earliest, latest=new.latest, start_until=new.start_until)
    elif reading.nudge == "later":
        if previous.start_until is not None:
            after = previous.start_until + 30
        elif previous.latest is not None:
            after = previous.latest
        elif previous.earliest is not None:
            after = previous.earliest + 120
        else:
            after = 12 * 60
        merged = merged.but(earliest=min(after, 23 * 60), latest=None, start_until=None)
    elif reading.nudge == "earlier":
        before = previous.earliest if previous.earliest else 12 * 60
        merged = merged.but(earliest=None, latest=before, start_until=None)
    if reading.type_given or reading.duration_given:
        merged = merged.but(event_type=new.event_type, duration_minutes=new.duration_minutes)
    return merged


def _fits(intent: Intent, slot: Slot, zone: ZoneInfo, dates: set[dt.date]) -> bool:
    start = slot.start.astimezone(zone)
    end = slot.end.astimezone(zone)
    if start.date() not in dates:
        return False
    start_minutes = start.hour * 60 + start.minute
    end_minutes = (end.date() - start.date()).days * 24 * 60 + end.hour * 60 + end.minute
    if intent.earliest is not None and start_minutes < intent.earliest:
        return False
    if intent.start_until is not None and start_minutes > intent.start_until:
        return False
    latest = intent.latest_end()
    return latest is None or end_minutes <= latest


def spread(slots: list[Slot], zone: ZoneInfo, limit: int = MAX_PROPOSALS) -> list[Slot]:
    """Up to `limit` slots over as many days as possible: each day's earliest first, then each
    day's second, and so on; returned in time order."""
    by_day: dict[dt.date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.start.astimezone(zone).date()].append(slot)
    days = sorted(by_day)
    chosen: list[Slot] = []
    depth = 0
    while len(chosen) < limit and any(len(by_day[day]) > depth for day in days):
        for day in days:
            if len(by_day[day]) > depth and len(chosen) < limit:
                chosen.append(by_day[day][depth])
        depth += 1
    return sorted(chosen, key=lambda slot: slot.start)


def propose(intent: Intent, event_type: EventType, now: dt.datetime) -> list[Slot]:
    zone = ZoneInfo(intent.timezone)
    dates = set(intent.dates())
    if not dates:
        return []
    found = find_slots(event_type, intent.start, intent.end, zone, now=now)
    return spread([slot for slot in found if _fits(intent, slot, zone, dates)], zone)


# ---------------------------------------------------------------------------------------------
# Words


def describe_days(intent: Intent) -> str:
    dates = intent.dates()
    if not dates:
        return "no day"

    def day(value: dt.date, with_month: bool = True) -> str:
        return f"{value:%A} {value.day}" + (f" {value:%B}" if with_month else "")

    if len(dates) == 1:
        return day(dates[0])
    if intent.days is None:
        same_month = intent.start.month == intent.end.month
        return f"{day(intent.start, not same_month)} \u2013 {day(intent.end)}"
    parts = [day(value, value.month != dates[-1].month or value == dates[-1]) for value in dates]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def describe_times(intent: Intent) -> str:
    latest = intent.latest_end()
    if intent.start_until is not None and intent.earliest == intent.start_until:
        return f"starting at {hhmm(intent.earliest)}"
    if intent.start_until is not None:
        start_from = (
            hhmm(intent.earliest) if intent.earliest is not None else "the start of the day"
        )
        return f"starting {start_from}\u2013{hhmm(intent.start_until)}"
    if intent.earliest is not None and latest is not None:
        return f"{hhmm(intent.earliest)}\u2013{hhmm(latest)}"
    if intent.earliest is not None:
        return f"after {hhmm(intent.earliest)}"
    if latest is not None:
        return f"ending by {hhmm(latest)}"
    return "any time"


def summary_of(intent: Intent, event_type: EventType | None) -> str:
    what = f"{event_type.title} ({event_type.duration_minutes} min) \u00b7 " if event_type else ""
    return f"{what}{describe_days(intent)}, {describe_times(intent)} {zone_label(intent.timezone)}"


def _time_in(instant: dt.datetime, zone: ZoneInfo, other: dt.datetime) -> str:
    local = instant.astimezone(zone)
    if local.date() != other.date():
        return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"
    return f"{local:%H:%M}"


def describe_proposal(proposal: Proposal, guest_zone: str, host) -> str:
    """'Tue 3 Mar, 14:00–14:30 London time (23:00 Tokyo time for you; 09:00 New York time for
    Alice)': the asked zone first, then the guest's and the host's where they differ."""
    start, end = proposal.local_start, proposal.local_end
    zone_name = str(proposal.zone)
    text = (
        f"{start:%a} {start.day} {start:%b}, {start:%H:%M}\u2013{end:%H:%M} {zone_label(zone_name)}"
    )
    if host.timezone == zone_name and guest_zone != zone_name:
        text += f", {host.public_name}'s time"
    others = []
    if guest_zone != zone_name:
        whose = "you" if host.timezone != guest_zone else f"you and {host.public_name}"
        guest_time = _time_in(proposal.slot.start, ZoneInfo(guest_zone), start)
        others.append(f"{guest_time} {zone_label(guest_zone)} for {whose}")
    if host.timezone not in (guest_zone, zone_name):
        host_time = _time_in(proposal.slot.start, host.zone, start)
        others.append(f"{host_time} {zone_label(host.timezone)} for {host.public_name}")
    return text + (f" ({'; '.join(others)})" if others else "")


LOOK_AHEAD_DAYS = 14


def _nothing_free(intent: Intent, event_type: EventType, now, guest_zone: str, host) -> str:
    """Say so, and name the first free time in the two weeks after, at the same hours."""
    later = intent.but(
        start=intent.end + dt.timedelta(days=1),
        end=intent.end + dt.timedelta(days=LOOK_AHEAD_DAYS),
        days=None,
    )
    found = propose(later, event_type, now)
    if not found:
        return "Nothing is free then. Try other days or times, for example \u201cnext month\u201d."
    first = Proposal(event_type, found[0], ZoneInfo(intent.timezone))
    return (
        "Nothing is free then. The next free time at those hours is "
        f"{describe_proposal(first, guest_zone, host)}."
    )


# ---------------------------------------------------------------------------------------------
# The turn


def _fallback_intent(now: dt.datetime, zone_name: str) -> Intent:
    today = now.astimezone(ZoneInfo(zone_name)).date()
    return Intent(start=today, end=today + dt.timedelta(days=6), timezone=zone_name)


def answer(
    host,
    message: str,
    *,
    guest_zone: str,
    previous: Intent | None = None,
    now: dt.datetime | None = None,
) -> Answer:
    now = now or timezone.now()
    event_types = list(EventType.objects.for_host(host).active().order_by("title", "pk"))
    offers = offers_of(event_types)
    by_slug = {item.slug: item for item in event_types}
    try:
        reading = understand(
            message,
            now=now,
            default_zone=guest_zone,
            host_zone=host.timezone,
            offers=offers,
            host_names=host_names(host),
        )
    except Exception as error:
        # Free text meets heuristic code here: a bug must cost an apology, not a 500. The log
        # names the failing line but carries no traceback locals: they hold the guest's words.
        where = traceback.extract_tb(error.__traceback__)[-1]
        logger.error(
            "assistant parser failed: %s at %s:%s",
            type(error).__name__,
            where.filename,
            where.lineno,
        )
        reading = Understanding(intent=_fallback_intent(now, guest_zone))
    if previous is None and llm.is_configured():
        from_model = llm.extract_intent(
            message, now=now, guest_zone=guest_zone, host_zone=host.timezone, offers=offers
        )
        if from_model is not None:
            reading = llm.as_understanding(from_model, reading)
    if not event_types:
        return Answer(
            reply=f"{host.public_name} is not taking bookings right now.",
            intent=reading.intent,
            understood=reading.is_request,
            guest_zone=guest_zone,
        )
    if not reading.is_request and previous is None:
        return Answer(
            reply="Sorry, I did not understand that. "
            f"Tell me when you would like to meet {host.public_name}.",
            intent=reading.intent,
            questions=[f"When would you like to meet? {EXAMPLE}"],
            understood=False,
            guest_zone=guest_zone,
        )
    intent = refine(previous, reading) if reading.is_request else previous
    questions: list[str] = []
    suggestions: list[str] = []
    notes: list[str] = list(reading.problems)
    event_type = by_slug.get(intent.event_type or "")
    if event_type is None:
        offer, choices, unknown = choose_offer([], intent.duration_minutes, offers)
        if offer:
            event_type = by_slug[offer.slug]
        elif unknown:
            lengths = sorted({item.duration_minutes for item in event_types})
            listed = ", ".join(f"{value} min" for value in lengths)
            suggestions = [f"{value} minutes" for value in lengths]
            questions.append(
                f"{host.public_name} does not offer {unknown}-minute meetings. "
                f"Which length would you like: {listed}?"
            )
        else:
            names = ", ".join(
                f"{choice.title} ({choice.duration_minutes} min)" for choice in choices
            )
            questions.append(f"Which kind of meeting would you like: {names}?")
            suggestions = [item.title for item in choices]
    if event_type is not None:
        intent = intent.but(
            event_type=event_type.slug, duration_minutes=event_type.duration_minutes
        )
    if reading.someone_else:
        questions.insert(
            0,
            f"This page books time with {host.public_name} only, not with {reading.someone_else}. "
            f"Would you like a time with {host.public_name}?",
        )
    summary = summary_of(intent, event_type)
    proposals: list[Proposal] = []
    if event_type is not None and not reading.someone_else:
        zone = ZoneInfo(intent.timezone)
        proposals = [Proposal(event_type, slot, zone) for slot in propose(intent, event_type, now)]
    lines = [f"I looked for {summary}."]
    lines.extend(notes)
    if proposals:
        lines.append("These times are free:" if len(proposals) > 1 else "This time is free:")
        lines.extend(f"\u2022 {describe_proposal(item, guest_zone, host)}" for item in proposals)
        lines.append("Pick one to book it; nothing is booked until you confirm.")
    elif event_type is not None and not reading.someone_else:
        lines.append(_nothing_free(intent, event_type, now, guest_zone, host))
    lines.extend(questions)
    return Answer(
        reply="\n".join(lines),
        intent=intent,
        proposals=proposals,
        questions=questions,
        summary=summary,
        understood=True,
        guest_zone=guest_zone,
        suggestions=suggestions if not reading.someone_else else [],
    )
