"""What a guest asked for: the intent the parser (or a language model) extracts from a message.

Dates are local dates in the intent's timezone, inclusive. `earliest`/`latest` bound the meeting:
it starts at or after `earliest` and ends by `latest`. Internally a request for a start time
("at 9:30", "around 11") keeps the last allowed start (`start_until`), because the public
`latest` (start plus duration) is only known once the event type is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace

MINUTES_PER_DAY = 24 * 60

# The public JSON of an intent; also the schema a language model's answer must satisfy.
INTENT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "event_type",
        "duration_minutes",
        "start",
        "end",
        "earliest",
        "latest",
        "timezone",
    ],
    "properties": {
        "event_type": {"type": ["string", "null"], "description": "Slug of the event type."},
        "duration_minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": 720},
        "start": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "end": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "earliest": {"type": ["string", "null"], "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
        "latest": {"type": ["string", "null"], "pattern": r"^([01]\d|2[0-4]):[0-5]\d$"},
        "timezone": {"type": "string", "description": "IANA name, e.g. Europe/London"},
    },
}


def minutes_of(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def time_of(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def hhmm(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(raw: str | None) -> int | None:
    if raw is None:
        return None
    hours, minutes = raw.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Intent:
    """Everything needed to look for slots. Times of day are minutes after local midnight."""

    start: dt.date
    end: dt.date
    timezone: str
    event_type: str | None = None
    duration_minutes: int | None = None
    # The only dates allowed inside start..end ("Monday or Wednesday"); None means all of them.
    days: tuple[dt.date, ...] | None = None
    earliest: int | None = None
    latest: int | None = None
    start_until: int | None = None

    def dates(self) -> list[dt.date]:
        if self.days is not None:
            return list(self.days)
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=offset) for offset in range(count)]

    def latest_end(self) -> int | None:
        """The end bound of the meeting, folding in the last allowed start."""
        bounds = [self.latest] if self.latest is not None else []
        if self.start_until is not None:
            if self.duration_minutes is None:
                return self.latest
            bounds.append(self.start_until + self.duration_minutes)
        if not bounds:
            return None
        bound = min(bounds)
        return bound if bound <= MINUTES_PER_DAY else None

    def public(self) -> dict:
        return {
            "event_type": self.event_type,
            "duration_minutes": self.duration_minutes,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "earliest": hhmm(self.earliest),
            "latest": hhmm(self.latest_end()),
            "timezone": self.timezone,
        }

    def to_session(self) -> dict:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        data["days"] = [day.isoformat() for day in self.days] if self.days is not None else None
        return data

    @classmethod
    def from_session(cls, data: dict) -> Intent:
        days = data.get("days")
        return cls(
            start=dt.date.fromisoformat(data["start"]),
            end=dt.date.fromisoformat(data["end"]),
            timezone=data["timezone"],
            event_type=data.get("event_type"),
            duration_minutes=data.get("duration_minutes"),
            days=tuple(dt.date.fromisoformat(day) for day in days) if days is not None else None,
            earliest=data.get("earliest"),
            latest=data.get("latest"),
            start_until=data.get("start_until"),
        )

    def but(self, **changes) -> Intent:
        return replace(self, **changes)


@dataclass
class Understanding:
    """The parser's reading of one message: the intent plus what the message mentioned."""

    intent: Intent
    dates_given: bool = False
    times_given: bool = False
    duration_given: bool = False
    type_given: bool = False
    zone_given: bool = False
    # A named person other than the host ("with Dana"), or None.
    someone_else: str | None = None
    # Durations asked for that no event type has.
    unknown_duration: int | None = None
    # Event types to choose between when the message does not settle it.
    type_choices: list[str] = field(default_factory=list)
    # "later" / "earlier" with nothing else: a nudge of the previous time window.
    nudge: str | None = None
    problems: list[str] = field(default_factory=list)
    # Nothing narrowing it down, but plainly a request ("find me a time").
    generic: bool = False

    @property
    def understood_anything(self) -> bool:
        return any(
            (
                self.dates_given,
                self.times_given,
                self.duration_given,
                self.type_given,
                self.zone_given,
                self.someone_else,
                self.nudge,
            )
        )

    @property
    def is_request(self) -> bool:
        return self.understood_anything or self.generic
