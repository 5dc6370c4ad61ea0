"""Computed slots kept in the worker's memory and reused while the host's availability stamp
(see AvailabilityStamp) is unchanged.

A key holds everything a month of slots depends on besides the stamp: the event type's rules,
the host's zone, the guest's dates and zone, and the host-local date of "now" (the booking
window and the first day depend on it). Slots depend on "now" otherwise only through minimum
notice, which only removes slots as time passes: an entry computed earlier holds every slot
still offered, and the ones now too soon are dropped when it is served.

Never stale: a stamp read before a change commits is never read again after it; an entry made
from newer rows than its stamp's is merely fresher. The booking service decides on its own,
against the database, whatever a guest was shown.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict

from availability.slots import Slot

# A month of 30-minute slots is ~40 KB; a worker keeps at most this many months. An entry is
# replaced, not joined, when the host's stamp moves on: dead entries would only burden the
# garbage collector (every Slot is an object it tracks).
MAX_ENTRIES = 128

_entries: OrderedDict[tuple, tuple[int, dt.datetime, list[dt.datetime], list[Slot]]] = OrderedDict()
_lock = threading.Lock()


def get(key: tuple, stamp: int, now: dt.datetime, earliest: dt.datetime) -> list[Slot] | None:
    """The slots stored under `key` for `stamp` that start at or after `earliest`; None when
    not stored, or stored by a computation for a later "now" (clocks only go back in tests,
    but then an entry would lack slots that are still offered)."""
    with _lock:
        entry = _entries.get(key)
        if entry is None or entry[0] != stamp or entry[1] > now:
            return None
        _entries.move_to_end(key)
    _stamp, _computed_at, starts, slots = entry
    return slots[bisect.bisect_left(starts, earliest) :]


def put(key: tuple, stamp: int, now: dt.datetime, slots: list[Slot]) -> None:
    entry = (stamp, now, [slot.start for slot in slots], list(slots))
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
