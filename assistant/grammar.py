"""The deterministic reader of booking requests: a message in, an Understanding out.

Pure: no database, no network. The conventions (also in the API documentation):

- Days are local dates in the intent's timezone. "today", "tomorrow", "the day after tomorrow";
  a weekday or "this <weekday>" is the first such day on or after today, "next <weekday>" the
  first after today; "this week" is today to Sunday, "next week" next Monday to Sunday (early
  next week: Monday to Wednesday, late next week: Thursday to Sunday); "this weekend" the coming
  Saturday and Sunday; "in N days" that day; "in N weeks" the Monday-to-Sunday week holding
  today + 7N days; "this month" today to its last day, "next month" all of it, "in <month>" that
  month; "the 14th", "Dec 3", "3 December" the next such date; "between the 3rd and the 5th",
  "Tuesday to Thursday" (within a week named, if any); several days ("Monday or Wednesday");
  "any day next week except Friday"; "weekdays".
  With no day named: today and the six days after it.
- Times of day: morning (or "am") 08:00-12:00, afternoon (or "pm") 12:00-17:00, evening
  17:00-21:00 (early/late: the first/second half), lunchtime 12:00-14:00; "after 3pm",
  "before noon", "from 10 to 2", "at 9:30" (starts at 09:30), "around 11" (starts from 10:30
  to 11:30); "early" alone starts by 10:00, "late" alone at 16:00 or after. Bare hours 1-6 are
  afternoon hours, 7-11 morning.
- Durations ("30 min", "half an hour", "an hour", "90 minutes", "1.5 hours") and event type
  names (slug or title words) choose the event type.
- Timezones named in the message override the guest's (see assistant.zones).
- "with <name>": the host's name is fine; anyone else's is reported.

Words are consumed as they are recognised, so one phrase never counts twice.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assistant import zones
from assistant.foreign import translate_foreign
from assistant.intent import Intent, Understanding

MORNING = (8 * 60, 12 * 60)
AFTERNOON = (12 * 60, 17 * 60)
EVENING = (17 * 60, 21 * 60)
PARTS = {
    "morning": MORNING,
    "afternoon": AFTERNOON,
    "evening": EVENING,
    "night": EVENING,
}
HALVES = {
    ("early", "morning"): (8 * 60, 10 * 60),
    ("late", "morning"): (10 * 60, 12 * 60),
    ("early", "afternoon"): (12 * 60, 14 * 60 + 30),
    ("late", "afternoon"): (14 * 60 + 30, 17 * 60),
    ("early", "evening"): (17 * 60, 19 * 60),
    ("late", "evening"): (19 * 60, 21 * 60),
}
EARLY_START_BY = 10 * 60
LATE_START_FROM = 16 * 60
DEFAULT_SPAN_DAYS = 7
MAX_SPAN_DAYS = 62
MAX_AHEAD_DAYS = 2 * 366

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "weds": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "a couple of": 2,
    "couple of": 2,
    "a few": 3,
}
# Words that say "I want to book something" without naming a time.
BOOKING_WORDS = re.compile(
    r"\b(meet|meeting|time|times|slot|slots|book|booking|call|chat|available|availability|"
    r"free|schedule|appointment|when|session|sometime|any)\b"
)
# Title words too common to pick an event type by.
GENERIC_TITLE_WORDS = {
    "call",
    "meeting",
    "chat",
    "session",
    "minute",
    "minutes",
    "min",
    "mins",
    "hour",
    "hours",
    "with",
    "the",
    "and",
    "for",
    "our",
    "your",
    "quick",
    "short",
    "long",
    "new",
    "video",
    "online",
}

WD = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)s?"
)
MON = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
ORD = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
ATOM = (
    rf"(?:(?:this|next|on)\s+)?{WD}|today|tomorrow|\d{{4}}-\d{{2}}-\d{{2}}|{MON}\.?\s+{DAYNUM}"
    rf"|{DAYNUM}\s+(?:of\s+)?{MON}|(?:the\s+)?{ORD}"
)
NUM_WORDS = (
    r"a couple of|couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve"
)
NUM = rf"(\d+|{NUM_WORDS})"
MINUTE_WORDS = r"forty-five|fifteen|twenty|thirty|forty|fifty|sixty|ninety"
HOUR = r"(?:[01]?\d|2[0-3])"
AMPM = r"(?:am|pm)"
CLOCK = rf"(?:noon|midday|midnight|{HOUR}(?:[:.][0-5]\d)?\s*{AMPM}?)"
# A time that needs no "at" in front: 3pm, 15:00, 9:30am.
PLAIN_TIME = rf"(?:{HOUR}[:.][0-5]\d\s*{AMPM}?|{HOUR}\s*{AMPM}|noon|midday)"


@dataclass(frozen=True)
class Offer:
    """An event type the host offers, as far as the parser needs to know it."""

    slug: str
    title: str
    duration_minutes: int


class Text:
    """The message, consumed as phrases are recognised."""

    def __init__(self, value: str):
        self.value = value

    def take(self, pattern: str | re.Pattern, flags: int = 0) -> list[re.Match]:
        compiled = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        found = list(compiled.finditer(self.value))
        for match in reversed(found):
            self.value = self.value[: match.start()] + " " + self.value[match.end() :]
        return list(found)

    def words(self) -> list[str]:
        return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", self.value)


def clean(message: str) -> str:
    text = unicodedata.normalize("NFKC", message)
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return re.sub(r"\s+", " ", text).strip()


def number(raw: str) -> float | None:
    raw = raw.strip().lower()
    if raw in NUMBER_WORDS:
        return NUMBER_WORDS[raw]
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Names and timezones (read before lowercasing: capitals matter)


def name_tokens(name: str) -> set[str]:
    return {token for token in re.findall(r"\w+", zones.strip_accents(name).lower()) if token}


NOT_NAMES = (
    set(WEEKDAYS) | set(MONTHS) | {"the", "a", "an", "my", "your", "you", "me", "us", "him"}
) | {"her", "them", "someone", "anyone", "somebody"}


def _starts_place(words: list[str]) -> bool:
    bare = [word.strip(".,").lower() for word in words[:3]]
    return any(" ".join(bare[:size]) in zones.places() for size in (1, 2, 3)) or (
        words[0].strip(".,") in zones.ABBREVIATIONS
    )


def read_with_name(text: str, host_names: set[str]) -> tuple[str, str | None]:
    """Remove "with <name>"; return the text and the name of someone who is not the host.

    The name is the word after "with" and the capitalised words that follow it, up to a day,
    month or place ("with Dana Scully next Tuesday", "with Dana London time")."""
    stranger = None
    pattern = re.compile(r"\bwith\s+((?:[\w'’.-]+)(?:\s+[A-Z][\w'’.-]*){0,2})")
    for match in reversed(list(pattern.finditer(text))):
        words = match.group(1).split()
        following = text[match.start(1) :].split()[:8]
        # Right after "with", a city is a person ("with Sydney") unless "time" follows it.
        if words[0].lower() in NOT_NAMES or (
            len(following) > 1 and following[1].lower().startswith("time")
        ):
            continue
        name_words = [words[0]]
        for index, word in enumerate(words[1:], start=1):
            if word.strip(".,").lower() in NOT_NAMES or _starts_place(following[index:]):
                break
            name_words.append(word)
        is_host = bool(name_tokens(" ".join(name_words)) & host_names)
        if not is_host:
            if not words[0][0].isupper():
                continue  # "with my colleague", "with dana": not read as a name
            stranger = " ".join(name_words).strip(".,")
        end = match.start(1) + len(" ".join(name_words))
        text = text[: match.start()] + " " + text[end:]
    return text, stranger


def read_abbreviation(text: str) -> tuple[str, str | None]:
    names = "|".join(sorted(zones.ABBREVIATIONS, key=len, reverse=True))
    match = re.search(rf"(?<![\w/])({names})(?![\w/])(\s+time)?", text)
    if not match:
        return text, None
    return text[: match.start()] + " " + text[match.end() :], zones.ABBREVIATIONS[match.group(1)]


def read_zone(text: Text, host_zone: str) -> str | None:
    iana = text.take(r"\b[a-z]+/[a-z_]+(?:/[a-z_]+)?\b")
    for match in iana:
        found = zones.iana_by_lower().get(match.group(0))
        if found:
            return found
    if text.take(r"\b(?:your|the host'?s?|their|his|her)\s+time(?:zone)?\b"):
        return host_zone
    spelled = "|".join(re.escape(name) for name in sorted(zones.SPELLED_WITH_TIME, key=len)[::-1])
    match = next(iter(text.take(rf"\b({spelled})\s+time\b")), None)
    if match:
        return zones.SPELLED_WITH_TIME[match.group(1)]
    place = zones.place_alternatives()
    match = next(
        iter(
            text.take(
                rf"\b(?:in|for|at)\s+(?:the\s+)?({place})(?:\s+time(?:zone)?)?\b|\b({place})\s+time(?:zone)?\b"
            )
        ),
        None,
    )
    if match:
        return zones.places()[match.group(1) or match.group(2)]
    for name in sorted(zones.WELL_KNOWN, key=len, reverse=True):
        if text.take(rf"\b{re.escape(name)}\b"):
            return zones.places().get(name)
    return None


# ---------------------------------------------------------------------------------------------
# Durations


def read_duration(text: Text) -> int | None:
    found: list[int] = []
    rules = [
        (r"\b(?:an?|one)\s+hour\s+and\s+a\s+half\b|\bhour and a half\b", lambda m: 90),
        (r"\b(?:a\s+)?quarter\s+of\s+an\s+hour\b", lambda m: 15),
        (r"\bhalf\s*(?:an?\s+)?-?\s*hour(?:[\s-]long)?\b", lambda m: 30),
        (
            rf"(?<!in ){NUM}\s+and\s+a\s+half\s+hours?\b",
            lambda m: int((number(m.group(1)) or 0) * 60 + 30),
        ),
        (
            r"(?<!in )\b(\d+(?:[.,]\d+)?)\s*-?\s*(?:hours?|hrs?|h)(?:[\s-]long)?\b",
            lambda m: int(round((number(m.group(1)) or 0) * 60)),
        ),
        (
            rf"(?<!in )\b({NUM_WORDS})[\s-]+(?:hours?|hrs?)(?:[\s-]long)?\b",
            lambda m: int(round((number(m.group(1)) or 0) * 60)),
        ),
        # A bare "m" only after digits: "Monday am" is a morning, not "a m(inute)".
        (
            r"(?<!in )\b(\d+)\s*-?\s*(?:minutes?|mins?|m)(?:[\s-]long)?\b",
            lambda m: int(number(m.group(1)) or 0),
        ),
        (
            rf"(?<!in )\b({NUM_WORDS}|{MINUTE_WORDS})[\s-]+(?:minutes?|mins?)(?:[\s-]long)?\b",
            lambda m: int(number(m.group(1)) or 0),
        ),
        (r"\ban?\s+hour\b|\bone\s+hour\b|\bhour[\s-]long\b", lambda m: 60),
    ]
    for pattern, minutes in rules:
        for match in text.take(pattern):
            found.append(minutes(match))
    found = [value for value in found if value > 0]
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# Days


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _next_day_of_month(day_number: int, reference: dt.date) -> dt.date | None:
    year, month = reference.year, reference.month
    for _ in range(13):
        try:
            candidate = dt.date(year, month, day_number)
        except ValueError:
            candidate = None
        if candidate and candidate >= reference:
            return candidate
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return None


def _next_month_day(month: int, day_number: int, reference: dt.date) -> dt.date | None:
    for year in (reference.year, reference.year + 1, reference.year + 2):
        try:
            candidate = dt.date(year, month, day_number)
        except ValueError:
            continue
        if candidate >= reference:
            return candidate
    return None


def _weekday_of(word: str) -> int | None:
    word = word.rstrip(".")
    if word.endswith("s") and word[:-1] in WEEKDAYS:
        word = word[:-1]
    return WEEKDAYS.get(word)


def resolve_atom(raw: str, today: dt.date, reference: dt.date | None = None) -> tuple:
    """('date', d) or ('weekday', n, modifier) for one day phrase; ('none',) if unreadable."""
    raw = raw.strip()
    reference = reference or today
    words = raw.split()
    modifier = None
    if words and words[0] in ("this", "next", "on"):
        modifier = words[0]
        words = words[1:]
    if words and _weekday_of(words[0]) is not None and len(words) == 1:
        weekday = _weekday_of(words[0])
        if reference != today:
            return ("date", _weekday_on_or_after(reference, weekday))
        return ("weekday", weekday, modifier)
    if raw == "today":
        return ("date", today)
    if raw == "tomorrow":
        return ("date", today + dt.timedelta(days=1))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return ("date", dt.date.fromisoformat(raw))
        except ValueError:
            return ("none",)
    match = re.fullmatch(rf"({MON})\.?\s+(\d+)(?:st|nd|rd|th)?", raw)
    if match:
        found = _next_month_day(MONTHS[match.group(1)], int(match.group(2)), reference)
        return ("date", found) if found else ("none",)
    match = re.fullmatch(rf"(\d+)(?:st|nd|rd|th)?\s+(?:of\s+)?({MON})", raw)
    if match:
        found = _next_month_day(MONTHS[match.group(2)], int(match.group(1)), reference)
        return ("date", found) if found else ("none",)
    match = re.fullmatch(r"(?:the\s+)?(\d+)(?:st|nd|rd|th)", raw)
    if match:
        found = _next_day_of_month(int(match.group(1)), reference)
        return ("date", found) if found else ("none",)
    return ("none",)


def _weekday_date(weekday: int, modifier: str | None, today: dt.date) -> dt.date:
    day = _weekday_on_or_after(today, weekday)
    if modifier == "next" and day == today:
        day += dt.timedelta(days=7)
    return day


def _span(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


@dataclass
class DayReading:
    days: list[dt.date] | None
    problems: list[str]


def read_days(text: Text, today: dt.date) -> DayReading:
    problems: list[str] = []
    ranges: list[list[dt.date]] = []
    singles: list[dt.date] = []
    weekday_atoms: list[tuple[int, str | None]] = []
    excluded_weekdays: set[int] = set()
    excluded_dates: set[dt.date] = set()
    only_weekdays = False
    weekday_spans: list[tuple[int, int]] = []
    monday = _monday_of(today)
    sunday = monday + dt.timedelta(days=6)

    # Exclusions first, so "except Friday" is not read as a day asked for.
    atom_list = rf"(?:the\s+)?(?:{ATOM})(?:\s*(?:,|or|and|nor)\s*(?:on\s+)?(?:the\s+)?(?:{ATOM}))*"
    for match in text.take(
        rf"\b(?:except(?:\s+for)?|but\s+not|excluding|apart\s+from|other\s+than|not)\s+(?:on\s+)?({atom_list})"
    ):
        for atom in re.finditer(ATOM, match.group(1)):
            resolved = resolve_atom(atom.group(0), today)
            if resolved[0] == "weekday":
                excluded_weekdays.add(resolved[1])
            elif resolved[0] == "date":
                excluded_dates.add(resolved[1])

    for match in text.take(
        rf"\b(?:between|from)\s+(?:the\s+)?({ATOM})\s+(?:and|to|until|till|through|thru|-)\s+(?:the\s+)?({ATOM})\b"
        rf"|\b({WD})\s*(?:-|–|to|through|thru|until|till)\s*({WD})\b"
    ):
        first_raw = match.group(1) or match.group(3)
        last_raw = match.group(2) or match.group(4)
        first = resolve_atom(first_raw, today)
        last = resolve_atom(last_raw, today)
        if first[0] == last[0] == "weekday" and first[2] in (None, "on") and last[2] is None:
            # Read once the other day phrases are known: "Tuesday to Thursday next week".
            weekday_spans.append((first[1], last[1]))
            continue
        if first[0] == "weekday":
            first = ("date", _weekday_date(first[1], first[2], today))
        last = (
            resolve_atom(last_raw, today, reference=first[1]) if first[0] == "date" else ("none",)
        )
        if first[0] == "date" and last[0] == "date" and last[1] >= first[1]:
            ranges.append(_span(first[1], last[1]))
        else:
            problems.append("I could not read that range of days.")

    for match in text.take(r"\b(today|tomorrow)\s+or\s+the\s+day\s+after\b(?!\s+tomorrow)"):
        first = resolve_atom(match.group(1), today)[1]
        singles.extend([first, first + dt.timedelta(days=1)])

    week_rules = [
        (r"\bthe\s+day\s+after\s+tomorrow\b|\bday\s+after\s+tomorrow\b", None),
        (
            r"\b(?:early|earlier)\s+(?:in\s+)?next\s+week\b|\bbeginning\s+of\s+next\s+week\b",
            "early-next",
        ),
        (r"\b(?:late|later)\s+(?:in\s+)?next\s+week\b|\bend\s+of\s+next\s+week\b", "late-next"),
        (r"\blater\s+(?:this|in\s+the)\s+week\b|\blater\s+this\s+week\b", "later-this"),
        (r"\b(?:the\s+)?end\s+of\s+(?:this|the)\s+week\b", "end-this"),
        (r"\bthe\s+week\s+after\s+next\b", "after-next"),
        (r"\bnext\s+weekend\b", "next-weekend"),
        (r"\b(?:this\s+|the\s+|on\s+the\s+)?weekend\b", "this-weekend"),
        (r"\bnext\s+week\b", "next-week"),
        (r"\bthis\s+week\b|\b(?:sometime|any\s*time)\s+this\s+week\b", "this-week"),
        (r"\blater\s+this\s+month\b|\blater\s+in\s+the\s+month\b", "later-month"),
        (r"\bthis\s+month\b", "this-month"),
        (r"\bnext\s+month\b", "next-month"),
    ]
    for pattern, kind in week_rules:
        for _ in text.take(pattern):
            if kind is None:
                singles.append(today + dt.timedelta(days=2))
            elif kind == "early-next":
                ranges.append(_span(monday + dt.timedelta(days=7), monday + dt.timedelta(days=9)))
            elif kind == "late-next":
                ranges.append(_span(monday + dt.timedelta(days=10), sunday + dt.timedelta(days=7)))
            elif kind == "later-this":
                if today < sunday:
                    ranges.append(_span(today + dt.timedelta(days=1), sunday))
                else:
                    problems.append("This week is over; try next week.")
            elif kind == "end-this":
                ranges.append(_span(max(today, monday + dt.timedelta(days=3)), sunday))
            elif kind == "after-next":
                ranges.append(_span(monday + dt.timedelta(days=14), sunday + dt.timedelta(days=14)))
            elif kind == "next-weekend":
                ranges.append(_span(sunday + dt.timedelta(days=6), sunday + dt.timedelta(days=7)))
            elif kind == "this-weekend":
                ranges.append(_span(max(today, monday + dt.timedelta(days=5)), sunday))
            elif kind == "next-week":
                ranges.append(_span(monday + dt.timedelta(days=7), sunday + dt.timedelta(days=7)))
            elif kind == "this-week":
                ranges.append(_span(today, sunday))
            elif kind == "later-month":
                if today < _month_end(today):
                    ranges.append(_span(today + dt.timedelta(days=1), _month_end(today)))
                else:
                    problems.append("This month is over; try next month.")
            elif kind == "this-month":
                ranges.append(_span(today, _month_end(today)))
            elif kind == "next-month":
                first = _month_end(today) + dt.timedelta(days=1)
                ranges.append(_span(first, _month_end(first)))

    for match in text.take(
        rf"\b(?:in|within)\s+{NUM}\s+(days?|weeks?|fortnights?)\b|\b(?:in\s+)?{NUM}\s+(days?|weeks?)\s+from\s+(?:now|today)\b|\bin\s+a\s+(fortnight)\b"
    ):
        amount_raw = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4) or match.group(5)
        amount = int(number(amount_raw) or 1) if amount_raw else 1
        if unit.startswith("fortnight"):
            amount, unit = amount * 2, "week"
        if amount > MAX_AHEAD_DAYS:
            problems.append("That is too far ahead.")
            continue
        if unit.startswith("day"):
            singles.append(today + dt.timedelta(days=amount))
        else:
            target = today + dt.timedelta(days=7 * amount)
            week_start = _monday_of(target)
            ranges.append(_span(week_start, week_start + dt.timedelta(days=6)))

    for match in text.take(rf"\bin\s+({MON})\b(?!\s*\d)"):
        month = MONTHS[match.group(1)]
        year = today.year if month >= today.month else today.year + 1
        first = max(dt.date(year, month, 1), today)
        ranges.append(_span(first, _month_end(first)))

    for match in text.take(
        rf"\b(?:on\s+)?(?:the\s+)?(\d{{4}}-\d{{2}}-\d{{2}}|{MON}\.?\s+{DAYNUM}|{DAYNUM}\s+(?:of\s+)?{MON}|{ORD})\b"
    ):
        resolved = resolve_atom(match.group(1), today)
        if resolved[0] == "date":
            singles.append(resolved[1])
        else:
            problems.append(f"There is no such date as {match.group(1)}.")

    for match in text.take(r"\b(today|tomorrow)\b"):
        singles.append(resolve_atom(match.group(1), today)[1])

    if text.take(r"\b(?:any\s+)?(?:weekdays?|workdays?|working\s+days?|business\s+days?)\b"):
        only_weekdays = True

    if weekday_spans and ranges:
        # Within the week or month named: only the days between the two weekdays.
        allowed = {
            (first + offset) % 7
            for first, last in weekday_spans
            for offset in range((last - first) % 7 + 1)
        }
        ranges = [[day for day in span if day.weekday() in allowed] for span in ranges]
    else:
        for first, last in weekday_spans:
            start = _weekday_date(first, None, today)
            ranges.append(_span(start, _weekday_on_or_after(start, last)))

    for match in text.take(rf"\b(?:(this|next|on)\s+)?({WD})\b"):
        weekday_atoms.append((_weekday_of(match.group(2)), match.group(1)))
    if any(modifier == "next" for _, modifier in weekday_atoms):
        weekday_atoms = [(day, modifier or "next") for day, modifier in weekday_atoms]

    if not (ranges or singles or weekday_atoms or only_weekdays or excluded_weekdays):
        if excluded_dates:
            ranges.append(_span(today, today + dt.timedelta(days=DEFAULT_SPAN_DAYS - 1)))
        else:
            return DayReading(days=None, problems=problems)

    days: set[dt.date] = set()
    for span in ranges:
        days.update(span)
    if weekday_atoms:
        wanted = {weekday for weekday, _ in weekday_atoms}
        if ranges:
            days = {day for day in days if day.weekday() in wanted}
        else:
            days.update(
                _weekday_date(weekday, modifier, today) for weekday, modifier in weekday_atoms
            )
    days.update(singles)
    if not days:
        # Only filters were given ("weekdays", "except Friday"): apply them to the coming week.
        days.update(_span(today, today + dt.timedelta(days=DEFAULT_SPAN_DAYS - 1)))
    if only_weekdays:
        days = {day for day in days if day.weekday() < 5}
    days = {
        day for day in days if day.weekday() not in excluded_weekdays and day not in excluded_dates
    }
    past = {day for day in days if day < today}
    if past:
        problems.append("That day has already passed.")
        days -= past
    too_far = {day for day in days if (day - today).days > MAX_AHEAD_DAYS}
    if too_far:
        problems.append("That is too far ahead.")
        days -= too_far
    return DayReading(days=sorted(days), problems=problems)


# ---------------------------------------------------------------------------------------------
# Times of day


def clock_minutes(raw: str, *, afternoon: bool = False, is_end: bool = False) -> int | None:
    raw = raw.strip().replace(" ", "")
    if raw in ("noon", "midday"):
        return 12 * 60
    if raw == "midnight":
        return 24 * 60 if is_end else 0
    match = re.fullmatch(rf"({HOUR})(?:[:.]([0-5]\d))?({AMPM})?", raw)
    if not match:
        return None
    hour, minute, ampm = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if ampm == "am":
        if hour > 12:
            return None
        hour = 0 if hour == 12 else hour
    elif ampm == "pm":
        if hour > 12:
            return None
        hour = hour if hour == 12 else hour + 12
    elif hour < 12 and not match.group(1).startswith("0"):
        if afternoon or 1 <= hour <= 6:
            hour += 12
    return hour * 60 + minute


@dataclass
class TimeReading:
    earliest: int | None = None
    latest: int | None = None
    start_until: int | None = None
    given: bool = False
    nudge: str | None = None
    problems: list[str] | None = None


def read_times(text: Text) -> TimeReading:
    earliests: list[int] = []
    latests: list[int] = []
    start_untils: list[int] = []
    given = False
    afternoon = False

    text.take(r"\bo'?clock\b")
    for match in text.take(r"\bafter\s+(lunch|work)\b"):
        earliests.append(13 * 60 if match.group(1) == "lunch" else 17 * 60)
        given = True
    for match in text.take(r"\b(early|late)[\s-]+(morning|afternoon|evening)s?\b"):
        start, end = HALVES[(match.group(1), match.group(2))]
        earliests.append(start)
        latests.append(end)
        given = True
        afternoon = afternoon or match.group(2) != "morning"
    for match in text.take(r"\b(?:in\s+the\s+|the\s+)?(morning|afternoon|evening|night)s?\b"):
        start, end = PARTS[match.group(1)]
        earliests.append(start)
        latests.append(end)
        given = True
        afternoon = afternoon or match.group(1) != "morning"
    for _ in text.take(r"\b(?:over\s+|at\s+|around\s+)?lunch(?:time)?\b"):
        earliests.append(12 * 60)
        latests.append(14 * 60)
        given = True

    def minutes(raw: str, is_end: bool = False) -> int | None:
        return clock_minutes(raw, afternoon=afternoon, is_end=is_end)

    for match in text.take(
        rf"\b(?:from|between)\s+({CLOCK})\s*(?:to|and|until|till|-|–)\s*({CLOCK})\b"
        rf"|\b({HOUR}(?:[:.][0-5]\d)?\s*{AMPM}?)\s*(?:-|–|to)\s*({HOUR}(?:[:.][0-5]\d)?\s*{AMPM})"
        rf"|\b({HOUR}[:.][0-5]\d)\s*(?:-|–|to)\s*({HOUR}[:.][0-5]\d)\b"
    ):
        first_raw = match.group(1) or match.group(3) or match.group(5)
        last_raw = match.group(2) or match.group(4) or match.group(6)
        first, last = minutes(first_raw), minutes(last_raw, is_end=True)
        if first is None or last is None:
            continue
        if last <= first and re.fullmatch(rf"{HOUR}(?:[:.][0-5]\d)?", last_raw.strip()):
            last += 12 * 60
        if re.fullmatch(r"\d{1,2}", first_raw.strip()) and last_raw.strip().endswith("pm"):
            # "2-4pm": the first hour shares the second one's half of the day.
            if first + 12 * 60 <= last and first < 12 * 60:
                first += 12 * 60
        earliests.append(first)
        latests.append(last)
        given = True
    for match in text.take(
        rf"\b(?:after|from|not\s+before|no\s+earlier\s+than|later\s+than|starting(?:\s+from)?)\s+({CLOCK})(?:\s+on(?:wards?)?)?\b"
    ):
        value = minutes(match.group(1))
        if value is not None:
            earliests.append(value)
            given = True
    for match in text.take(
        rf"\b(?:before|by|until|till|no\s+later\s+than|not\s+after|ending\s+by|finished\s+by|done\s+by)\s+({CLOCK})"
    ):
        value = minutes(match.group(1), is_end=True)
        if value is not None:
            latests.append(value)
            given = True
    for match in text.take(
        rf"\b(?:around|about|approximately|circa|roughly|~)\s*({CLOCK})|\b({CLOCK})\s*-?ish\b"
    ):
        value = minutes(match.group(1) or match.group(2))
        if value is not None:
            earliests.append(max(value - 30, 0))
            start_untils.append(value + 30)
            given = True
    for match in text.take(rf"\b(?:at|@)\s*({CLOCK})|\b({PLAIN_TIME})(?!\w)"):
        value = minutes(match.group(1) or match.group(2))
        if value is not None:
            earliests.append(value)
            start_untils.append(value)
            given = True
    for match in text.take(r"(?<![\d:.])\b(am|pm)\b"):
        start, end = MORNING if match.group(1) == "am" else AFTERNOON
        earliests.append(start)
        latests.append(end)
        given = True
    if text.take(r"\b(?:early|first\s+thing)\b"):
        start_untils.append(EARLY_START_BY)
        given = True
    if text.take(r"\blate\b"):
        earliests.append(LATE_START_FROM)
        given = True
    nudge = None
    if text.take(r"\blater\b(?!\s+than)"):
        nudge = "later"
    elif text.take(r"\bearlier\b(?!\s+than)"):
        nudge = "earlier"
    reading = TimeReading(given=given, nudge=nudge, problems=[])
    if not given:
        return reading
    reading.earliest = max(earliests) if earliests else None
    reading.latest = min(latests) if latests else None
    reading.start_until = min(start_untils) if start_untils else None
    if reading.earliest is not None and (
        (reading.latest is not None and reading.earliest >= reading.latest)
        or (reading.start_until is not None and reading.earliest > reading.start_until)
    ):
        reading.problems.append("Those times do not leave any room for a meeting.")
    return reading


# ---------------------------------------------------------------------------------------------
# Event types


def _title_words(title: str) -> set[str]:
    words = {
        word for word in re.findall(r"[a-z]+", zones.strip_accents(title).lower()) if len(word) >= 3
    }
    significant = words - GENERIC_TITLE_WORDS
    return significant or words


def _word_matches(said: str, title_word: str) -> bool:
    if said == title_word or said.rstrip("s") == title_word.rstrip("s"):
        return True
    shorter, longer = sorted((said, title_word), key=len)
    return len(shorter) >= 5 and longer.startswith(shorter)


def read_event_types(text: Text, offers: list[Offer]) -> list[Offer]:
    """The offers the message names, best match first (several when it is a tie)."""
    said = text.words()
    scores: dict[str, int] = {}
    for offer in offers:
        if offer.slug in said or re.search(
            rf"\b{re.escape(offer.slug.replace('-', ' '))}\b", text.value
        ):
            scores[offer.slug] = 100
            continue
        score = sum(
            1
            for title_word in _title_words(offer.title)
            if any(_word_matches(word, title_word) for word in said)
        )
        if score:
            scores[offer.slug] = score
    if not scores:
        return []
    best = max(scores.values())
    return [offer for offer in offers if scores.get(offer.slug) == best]


# ---------------------------------------------------------------------------------------------
# Putting it together


def choose_offer(
    named: list[Offer], duration: int | None, offers: list[Offer]
) -> tuple[Offer | None, list[Offer], int | None]:
    """(the event type, the ones to choose between, a duration nobody offers)."""
    if named:
        if duration is not None:
            fitting = [offer for offer in named if offer.duration_minutes == duration]
            named = fitting or named
        if len(named) == 1:
            return named[0], [], None
        return None, named, None
    if duration is not None:
        fitting = [offer for offer in offers if offer.duration_minutes == duration]
        if len(fitting) == 1:
            return fitting[0], [], None
        if fitting:
            return None, fitting, None
        return None, [], duration
    if len(offers) == 1:
        return offers[0], [], None
    return None, list(offers), None


def understand(
    message: str,
    *,
    now: dt.datetime,
    default_zone: str,
    host_zone: str,
    offers: list[Offer],
    host_names: set[str] | None = None,
) -> Understanding:
    """Read one message. `default_zone` is the guest's zone (the host's when unknown)."""
    raw = translate_foreign(clean(message))
    raw, stranger = read_with_name(raw, host_names or set())
    raw, abbreviation_zone = read_abbreviation(raw)
    lowered = zones.strip_accents(raw.lower())
    lowered = lowered.replace("a.m.", "am").replace("p.m.", "pm").replace("&", " and ")
    lowered = re.sub(r"\b(?:tmrw|tmr|tomorow|tommorow|tomorrows)\b", "tomorrow", lowered)
    lowered = re.sub(r"\btonight\b", "today evening", lowered)
    lowered = re.sub(r"\bthis\s+(morning|afternoon|evening)\b", r"today \1", lowered)
    text = Text(lowered)
    zone_name = abbreviation_zone or read_zone(text, host_zone)
    zone_given = zone_name is not None
    zone_name = zone_name or default_zone
    today = now.astimezone(ZoneInfo(zone_name)).date()

    duration = read_duration(text)
    day_reading = read_days(text, today)
    time_reading = read_times(text)
    named = read_event_types(text, offers)
    offer, choices, unknown_duration = choose_offer(named, duration, offers)

    if day_reading.days is None:
        start = today
        end = today + dt.timedelta(days=DEFAULT_SPAN_DAYS - 1)
        days = None
    elif day_reading.days:
        start, end = day_reading.days[0], day_reading.days[-1]
        if (end - start).days + 1 > MAX_SPAN_DAYS:
            end = start + dt.timedelta(days=MAX_SPAN_DAYS - 1)
            day_reading.problems.append(f"I looked at the first {MAX_SPAN_DAYS} days only.")
        kept = [day for day in day_reading.days if day <= end]
        days = None if kept == _span(start, end) else tuple(kept)
    else:
        start = end = today
        days = ()
    intent = Intent(
        start=start,
        end=end,
        timezone=zone_name,
        event_type=offer.slug if offer else None,
        duration_minutes=offer.duration_minutes
        if offer
        else (unknown_duration or duration if not choices else duration),
        days=days,
        earliest=time_reading.earliest,
        latest=time_reading.latest,
        start_until=time_reading.start_until,
    )
    understanding = Understanding(
        intent=intent,
        dates_given=day_reading.days is not None,
        times_given=time_reading.given,
        duration_given=duration is not None,
        type_given=bool(named),
        zone_given=zone_given,
        someone_else=stranger,
        unknown_duration=unknown_duration,
        type_choices=[choice.slug for choice in choices],
        nudge=time_reading.nudge,
        problems=[*day_reading.problems, *(time_reading.problems or [])],
    )
    if not understanding.understood_anything and BOOKING_WORDS.search(text.value):
        # "Find me a time": a request with nothing narrowing it down is still a request.
        understanding.generic = True
    return understanding
