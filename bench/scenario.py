"""The benchmark's scenario, shared by the Slotbook seeder and the peer's: plain Python, no Django.

A host in New York works Monday to Friday 09:00-17:00 and offers 30-minute meetings every 30
minutes. Their calendar holds 2,000 future bookings scattered over the coming year, 500 one-hour
busy blocks, and (for the "aged" host) 18,000 past bookings packed into the weekdays before
today. Everything is given as host-local (date, wall time) so both products store the same
meetings.
"""

from __future__ import annotations

import datetime as dt
import random

ZONE = "America/New_York"
OPEN, CLOSE = dt.time(9), dt.time(17)
SLOT_MINUTES = 30
SLOTS_A_DAY = 16
FUTURE_BOOKINGS = 2_000
PAST_BOOKINGS = 18_000
BUSY_BLOCKS = 500
BLOCK_MINUTES = 60
HORIZON_DAYS = 365
SEED = 13


def _weekdays(first: dt.date, step: int):
    day = first
    while True:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=step)


def wall(index: int) -> dt.time:
    minutes = 9 * 60 + index * SLOT_MINUTES
    return dt.time(minutes // 60, minutes % 60)


def _year_of_weekdays(today: dt.date) -> list[dt.date]:
    days = []
    for day in _weekdays(today + dt.timedelta(days=1), 1):
        if day > today + dt.timedelta(days=HORIZON_DAYS):
            return days
        days.append(day)
    return days


def future_bookings(today: dt.date) -> list[tuple[dt.date, dt.time]]:
    """FUTURE_BOOKINGS 30-minute meetings picked at random among the year's weekday slots."""
    candidates = [(day, index) for day in _year_of_weekdays(today) for index in range(SLOTS_A_DAY)]
    picked = sorted(random.Random(SEED).sample(candidates, FUTURE_BOOKINGS))
    return [(day, wall(index)) for day, index in picked]


def busy_blocks(today: dt.date) -> list[tuple[dt.date, dt.time]]:
    """BUSY_BLOCKS one-hour blocks at random weekday times of the coming year, apart from
    each other (they may cover bookings, as a calendar event can)."""
    rng = random.Random(SEED + 1)
    days = _year_of_weekdays(today)
    taken: set[tuple[dt.date, int]] = set()
    blocks = []
    while len(blocks) < BUSY_BLOCKS:
        day, index = rng.choice(days), rng.randrange(SLOTS_A_DAY - 1)
        if {(day, index), (day, index + 1)} & taken:
            continue
        taken |= {(day, index), (day, index + 1)}
        blocks.append((day, wall(index)))
    return sorted(blocks)


def past_bookings(today: dt.date, count: int = PAST_BOOKINGS) -> list[tuple[dt.date, dt.time]]:
    """`count` meetings filling every slot of the weekdays before today, going back."""
    meetings = []
    for day in _weekdays(today - dt.timedelta(days=1), -1):
        for index in range(SLOTS_A_DAY):
            if len(meetings) == count:
                return meetings
            meetings.append((day, wall(index)))
    return meetings


# What any change to a host's availability does to its stamp (availability migration 0004):
# the next slots request for that host computes its slots afresh instead of reusing them.
RESTAMP = """
UPDATE availability_availabilitystamp SET stamp = nextval('availability_stamp_seq')
 WHERE host_id = (SELECT id FROM accounts_user WHERE handle = %s)
"""
