"""The month calendar and day slots a guest picks a time from, in the guest's timezone.

One engine call covers the visible month, so the page costs the same few queries whatever the
number of bookings.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

from availability.loader import find_slots
from availability.slots import Slot
from bookings.models import EventType


@lru_cache(maxsize=2048)
def _day_label(day: dt.date, language: str | None) -> str:
    # Django's date formatting costs ~50 µs a call; a month grid asks for the same few dates
    # on every page view.
    return date_format(day, "l j F")


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_month: bool
    available: bool
    selected: bool
    url: str
    past: bool = False
    is_today: bool = False
    slot_count: int = 0

    @property
    def label(self) -> str:
        """Like "Thursday 3 December", for screen readers."""
        return _day_label(self.date, get_language())


@dataclass(frozen=True)
class PickableSlot:
    slot: Slot
    local_start: dt.datetime
    url: str

    @property
    def time_label(self) -> str:
        return f"{self.local_start:%H:%M}"


@dataclass(frozen=True)
class Picker:
    zone_name: str
    month: dt.date
    weeks: tuple[tuple[Day, ...], ...]  # hashable: the grid's HTML is reused by value
    previous_month_url: str | None
    next_month_url: str | None
    selected_date: dt.date | None
    slots: list[PickableSlot]

    @property
    def has_any_slot(self) -> bool:
        return any(day.available for week in self.weeks for day in week)

    @property
    def announcement(self) -> str:
        """What a screen reader hears after a day or month change."""
        if self.selected_date is None:
            return f"{self.month:%B %Y}: no times available."
        count = len(self.slots)
        times = "1 time" if count == 1 else f"{count} times"
        day = self.selected_date
        return f"{day:%A} {day.day} {day:%B}: {times} available"


def parse_month(raw: str | None) -> dt.date | None:
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None


def parse_date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw and len(raw) == 10 else None
    except ValueError:
        return None


def _shift_month(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def build_picker(
    event_type: EventType,
    *,
    zone_name: str,
    month_param: str | None,
    date_param: str | None,
    base_path: str,
    slot_url: Callable[[Slot], str],
    extra_params: dict[str, str] | None = None,
    exclude_booking_id: int | None = None,
    now: dt.datetime | None = None,
    pin_zone: bool = True,
    stamp: int | None = None,
) -> Picker:
    now = now or timezone.now()
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    first_month = today.replace(day=1)
    last_date = today + dt.timedelta(days=event_type.booking_window_days + 1)
    last_month = last_date.replace(day=1)
    selected_date = parse_date(date_param)
    month = parse_month(month_param) or (selected_date or today).replace(day=1)
    month = min(max(month, first_month), last_month)

    def page_url(**params: str) -> str:
        query = {"tz": zone_name} if pin_zone else {}
        query.update({**(extra_params or {}), **params})
        return f"{base_path}?{urlencode(query)}"

    month_end = _shift_month(month, 1) - dt.timedelta(days=1)
    slots_by_date: dict[dt.date, list[Slot]] = defaultdict(list)
    for slot in find_slots(
        event_type,
        max(month, today),
        month_end,
        zone,
        now=now,
        exclude_booking_id=exclude_booking_id,
        stamp=stamp,
    ):
        slots_by_date[slot.start.astimezone(zone).date()].append(slot)

    if selected_date not in slots_by_date:
        selected_date = min(slots_by_date, default=None)
    month_key = f"{month:%Y-%m}"
    # The ~42 day links differ only in their last value (ISO dates need no quoting): the query
    # is encoded once, not once a day.
    day_url_prefix = page_url(month=month_key, date="")
    if {"month", "date"} & set(extra_params or {}):  # not last in the query: encode each
        day_url_prefix = None
    weeks = tuple(
        tuple(
            Day(
                date=day,
                in_month=day.month == month.month,
                available=day in slots_by_date and day.month == month.month,
                selected=day == selected_date,
                url=day_url_prefix + day.isoformat()
                if day_url_prefix is not None
                else page_url(month=month_key, date=day.isoformat()),
                past=day < today,
                is_today=day == today,
                slot_count=len(slots_by_date.get(day, ())),
            )
            for day in week
        )
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    )
    return Picker(
        zone_name=zone_name,
        month=month,
        weeks=weeks,
        previous_month_url=page_url(month=f"{_shift_month(month, -1):%Y-%m}")
        if month > first_month
        else None,
        next_month_url=page_url(month=f"{_shift_month(month, 1):%Y-%m}")
        if month < last_month
        else None,
        selected_date=selected_date,
        slots=[
            PickableSlot(slot=slot, local_start=slot.start.astimezone(zone), url=slot_url(slot))
            for slot in slots_by_date.get(selected_date, [])
        ],
    )
