"""A booking's history in words, for the host's booking page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analytics.models import Actor, BookingEvent, EventKind


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    title: str
    note: str


WHO = {Actor.GUEST: "the guest", Actor.HOST: "you", Actor.SYSTEM: "Slotbook"}


def _when(value: str | None, zone) -> str:
    if not value:
        return "?"
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%a %-d %b %Y, %H:%M")


def describe(event: BookingEvent, zone) -> TimelineEntry:
    who = WHO.get(event.actor, event.actor)
    details = event.details or {}
    note = ""
    if event.kind == EventKind.CREATED:
        title = f"Booked by {who}"
        if details.get("status") == "pending":
            note = "Waiting for your confirmation."
    elif event.kind == EventKind.RESCHEDULED:
        title = f"Moved by {who}"
        moved_from = _when(details.get("from_start"), zone)
        note = f"From {moved_from} to {_when(details.get('to_start'), zone)}"
    elif event.kind == EventKind.CANCELLED:
        title = f"Cancelled by {who}"
        note = details.get("reason") or ""
    elif event.kind == EventKind.DECLINED:
        title = "Declined by you"
        note = details.get("reason") or ""
    elif event.kind == EventKind.CONFIRMED:
        title = f"Confirmed by {who}"
    elif event.kind in (EventKind.COMPLETED, EventKind.NO_SHOW):
        title = f"{event.get_kind_display()} by {who}"
        previous = details.get("previous")
        if previous in ("completed", "no_show"):
            note = "Corrects the earlier mark."
    else:
        title = f"{event.get_kind_display()} ({who})"
    return TimelineEntry(event.at.astimezone(zone), event.kind, title, note)


def timeline_for(booking) -> list[TimelineEntry]:
    zone = booking.host.zone
    return [describe(event, zone) for event in booking.history.order_by("at", "id")]
