"""The slot engine: weekly hours, overrides and busy time in; bookable start times out.

Pure time maths, no database: `availability.loader` gathers the inputs. Semantics:

- Intervals are half-open, [start, end), and every instant is an aware datetime in UTC.
- Hours are wall-clock ranges read in the host's timezone for each local date, so 09:00-17:00
  stays 09:00-17:00 local on both sides of a DST change. A date with an override uses the
  override's ranges instead of the weekday's (none: unavailable all day).
- A wall time that does not exist (skipped by a spring-forward) moves forward by the gap:
  02:30 on the day New York skips 02:00-03:00 means 03:30 EDT. A wall time that occurs twice
  (fall-back) means its first occurrence when it starts a range and its second when it ends
  one, so the range covers every minute the host asked for.
- Ranges that touch or overlap (also across midnight) are merged; candidate starts step by the
  slot interval from the start of each merged range and must fit the event's duration.
- A candidate is free when its buffered span [start - before, end + after] overlaps no busy
  time, and its own span overlaps no busy time's buffered span: buffers keep meetings apart,
  though two buffers may overlap each other.
- Seated events: bookings of the same event type at the same start fill seats instead of
  blocking; the slot is offered while seats are left. Every other booking of the host blocks.
- Minimum notice counts from now; the booking window is in host-local calendar days: with a
  window of N days the last bookable date is today + N.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from zoneinfo import ZoneInfo

UTC = dt.UTC
MIDNIGHT = dt.time(0, 0)
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WallRange:
    """Local working hours; an end of 00:00 means 24:00."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    weekly: Mapping[int, Sequence[WallRange]]
    overrides: Mapping[dt.date, Sequence[WallRange]] = field(default_factory=dict)

    def ranges_on(self, day: dt.date) -> Sequence[WallRange]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


@dataclass(frozen=True)
class EventRules:
    event_type_id: int
    duration: dt.timedelta
    interval: dt.timedelta
    buffer_before: dt.timedelta = dt.timedelta(0)
    buffer_after: dt.timedelta = dt.timedelta(0)
    minimum_notice: dt.timedelta = dt.timedelta(0)
    window_days: int = 60
    seats: int = 1


@dataclass(frozen=True)
class Busy:
    """Time already taken: a booking (with its event's buffers) or a blocked span."""

    start: dt.datetime
    end: dt.datetime
    buffer_before: dt.timedelta = dt.timedelta(0)
    buffer_after: dt.timedelta = dt.timedelta(0)
    # The seat group of a seated booking (see seat_group_of); guests of one slot share it.
    seat_key: str | None = None

    @property
    def padded_start(self) -> dt.datetime:
        return self.start - self.buffer_before

    @property
    def padded_end(self) -> dt.datetime:
        return self.end + self.buffer_after


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    seats_left: int


class Refusal(enum.StrEnum):
    """Why a start time cannot be booked."""

    IN_PAST = "in_past"
    INSIDE_MINIMUM_NOTICE = "inside_minimum_notice"
    BEYOND_WINDOW = "beyond_window"
    OUTSIDE_HOURS = "outside_hours"
    OFF_GRID = "off_grid"
    TAKEN = "taken"

    @property
    def message(self) -> str:
        return REFUSAL_MESSAGES[self]


REFUSAL_MESSAGES = {
    Refusal.IN_PAST: "That time is in the past.",
    Refusal.INSIDE_MINIMUM_NOTICE: "That time is too soon: the host needs more notice.",
    Refusal.BEYOND_WINDOW: "That time is too far ahead: the host does not take bookings "
    "that far out.",
    Refusal.OUTSIDE_HOURS: "That time is outside the host's available hours.",
    Refusal.OFF_GRID: "Bookings start only at the times offered.",
    Refusal.TAKEN: "That time is no longer available.",
}


def local_to_utc(day: dt.date, wall: dt.time, zone: ZoneInfo, *, prefer_later: bool) -> dt.datetime:
    """The instant a wall-clock time on a local date stands for (see the module docstring)."""
    naive = dt.datetime.combine(day, wall)
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier.astimezone(UTC)
    skipped = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive
    if skipped:
        # fold=0 reads a skipped time with the offset in force before the jump: forward by the gap.
        return earlier.astimezone(UTC)
    return (later if prefer_later else earlier).astimezone(UTC)


def working_windows(
    schedule: Schedule, first_day: dt.date, last_day: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Merged UTC windows of working time for the local dates first_day..last_day."""
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    day = first_day
    while day <= last_day:
        for wall in schedule.ranges_on(day):
            start = local_to_utc(day, wall.start, schedule.zone, prefer_later=False)
            if wall.end == MIDNIGHT:
                end = local_to_utc(day + ONE_DAY, MIDNIGHT, schedule.zone, prefer_later=True)
            else:
                end = local_to_utc(day, wall.end, schedule.zone, prefer_later=True)
            if end > start:
                windows.append((start, end))
        day += ONE_DAY
    windows.sort()
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def candidate_starts(
    windows: Iterable[tuple[dt.datetime, dt.datetime]], rules: EventRules
) -> list[dt.datetime]:
    starts = []
    for window_start, window_end in windows:
        start = window_start
        while start + rules.duration <= window_end:
            starts.append(start)
            start += rules.interval
    return starts


class BusyIndex:
    """Busy times sorted for quick overlap look-ups."""

    def __init__(self, busy: Iterable[Busy]):
        # Each padded start computed once (a stable sort on it, as sorting the items would be).
        keyed = sorted(((item.padded_start, item) for item in busy), key=itemgetter(0))
        self.items = [item for _, item in keyed]
        self.padded_starts = [padded_start for padded_start, _ in keyed]
        self.longest = max(
            (item.padded_end - padded_start for padded_start, item in keyed),
            default=dt.timedelta(0),
        )

    def near(self, start: dt.datetime, end: dt.datetime) -> Sequence[Busy]:
        """Every busy item whose buffered span could overlap [start, end)."""
        low = bisect.bisect_right(self.padded_starts, start - self.longest)
        high = bisect.bisect_left(self.padded_starts, end)
        return self.items[low:high]


def seat_group_of(event_type_id: int, start: dt.datetime) -> str:
    """The key guests of one seated slot share; bookings store it, and the database lets
    only bookings with the same key overlap."""
    return f"seat:{event_type_id}:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def is_seat_mate(start: dt.datetime, rules: EventRules, item: Busy) -> bool:
    """A guest of the same seated slot: shares it instead of blocking it."""
    return rules.seats > 1 and item.seat_key == seat_group_of(rules.event_type_id, start)


def collides(start: dt.datetime, rules: EventRules, item: Busy) -> bool:
    """Whether busy time keeps a candidate at `start` from being booked (buffers included)."""
    end = start + rules.duration
    in_candidate_buffers = (
        item.start < end + rules.buffer_after and start - rules.buffer_before < item.end
    )
    in_its_buffers = item.padded_start < end and start < item.padded_end
    return (in_candidate_buffers or in_its_buffers) and not is_seat_mate(start, rules, item)


def seats_left(start: dt.datetime, rules: EventRules, busy: BusyIndex) -> int:
    """Seats still free at this start: 0 when anything else blocks it."""
    end = start + rules.duration
    taken = 0
    for item in busy.near(start - rules.buffer_before, end + rules.buffer_after):
        if is_seat_mate(start, rules, item):
            taken += 1
        elif collides(start, rules, item):
            return 0
    return max(rules.seats - taken, 0)


def last_bookable_date(schedule: Schedule, rules: EventRules, now: dt.datetime) -> dt.date:
    return now.astimezone(schedule.zone).date() + dt.timedelta(days=rules.window_days)


def compute_slots(
    schedule: Schedule,
    rules: EventRules,
    busy: Iterable[Busy],
    *,
    now: dt.datetime,
    first_day: dt.date,
    last_day: dt.date,
    guest_zone: ZoneInfo,
) -> list[Slot]:
    """Free slots whose start falls on the guest-local dates first_day..last_day, in order."""
    range_start = dt.datetime.combine(first_day, MIDNIGHT, tzinfo=guest_zone).astimezone(UTC)
    range_end = dt.datetime.combine(last_day + ONE_DAY, MIDNIGHT, tzinfo=guest_zone).astimezone(UTC)
    earliest = max(range_start, now + rules.minimum_notice)
    last_date = last_bookable_date(schedule, rules, now)
    host_first = max(
        range_start.astimezone(schedule.zone).date() - ONE_DAY,
        now.astimezone(schedule.zone).date() - ONE_DAY,
    )
    host_last = min(range_end.astimezone(schedule.zone).date(), last_date)
    if host_first > host_last:
        return []
    index = BusyIndex(busy)
    # Every instant this far before the last bookable date's end is surely on or before that
    # date (local time never jumps ahead by two days), so only starts near it are converted.
    surely_in_window = (
        local_to_utc(last_date + ONE_DAY, MIDNIGHT, schedule.zone, prefer_later=False) - 2 * ONE_DAY
    )
    duration, before, after = rules.duration, rules.buffer_before, rules.buffer_after
    slots = []
    for start in candidate_starts(working_windows(schedule, host_first, host_last), rules):
        if not (earliest <= start < range_end):
            continue
        if start >= surely_in_window and start.astimezone(schedule.zone).date() > last_date:
            continue
        # Most candidates have no busy time near them: then every seat is free, found with
        # the same two look-ups `BusyIndex.near` makes.
        low = bisect.bisect_right(index.padded_starts, start - before - index.longest)
        high = bisect.bisect_left(index.padded_starts, start + duration + after)
        free = seats_left(start, rules, index) if low < high else max(rules.seats, 0)
        if free > 0:
            slots.append(Slot(start=start, end=start + rules.duration, seats_left=free))
    return slots


def refusal_for_start(
    schedule: Schedule,
    rules: EventRules,
    busy: Iterable[Busy],
    *,
    now: dt.datetime,
    start: dt.datetime,
) -> Refusal | None:
    """Why this start cannot be booked, or None when it can."""
    start = start.astimezone(UTC)
    if start < now:
        return Refusal.IN_PAST
    if start < now + rules.minimum_notice:
        return Refusal.INSIDE_MINIMUM_NOTICE
    local_day = start.astimezone(schedule.zone).date()
    if local_day > last_bookable_date(schedule, rules, now):
        return Refusal.BEYOND_WINDOW
    windows = working_windows(schedule, local_day - ONE_DAY, local_day + ONE_DAY)
    end = start + rules.duration
    if not any(window_start <= start and end <= window_end for window_start, window_end in windows):
        return Refusal.OUTSIDE_HOURS
    if start not in set(candidate_starts(windows, rules)):
        return Refusal.OFF_GRID
    if seats_left(start, rules, BusyIndex(busy)) == 0:
        return Refusal.TAKEN
    return None
