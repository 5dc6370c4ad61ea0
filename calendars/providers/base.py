"""The one small interface every calendar provider implements, and the errors it raises.

Adapters (google.py, microsoft.py) turn their wire format into these plain values; nothing
outside an adapter knows what a syncToken, a deltaLink or a `transparency` field is.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

logger = logging.getLogger(__name__)

# One HTTP request to a provider never waits longer than this during a sync or a write.
REQUEST_TIMEOUT = 20


class ProviderError(Exception):
    """Anything that went wrong talking to a provider, in words a host can read."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class AccessTokenRejected(ProviderError):
    """401: the access token expired or was revoked; refresh once and try again."""


class ReconnectNeeded(ProviderError):
    """invalid_grant or revoked consent: only the host can fix it by connecting again."""


class SyncCursorExpired(ProviderError):
    """410 Gone for a sync token / delta link: start again with a full sync."""


class TemporaryFailure(ProviderError):
    """429, rate-limit 403, 5xx or a timeout: back off (honouring retry_after) and retry."""


class NotFound(ProviderError):
    """404/410 for an event or channel: it is already gone."""


class Conflict(ProviderError):
    """409: an event with the id we chose already exists (an earlier attempt got through)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class Account:
    email: str
    tokens: Tokens


@dataclass(frozen=True)
class RemoteCalendar:
    external_id: str
    name: str
    is_primary: bool
    can_write: bool
    timezone: str = ""


@dataclass(frozen=True)
class BusyEvent:
    """One event (or one instance of a recurring event) as busy time, or its removal."""

    external_id: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    busy: bool = False  # False: free, declined, cancelled or removed: no block for it
    written_by_us: bool = False


@dataclass
class SyncPage:
    """Everything a sync read: changed events and the cursor for next time."""

    events: list[BusyEvent] = field(default_factory=list)
    cursor: str = ""
    full: bool = True


@dataclass(frozen=True)
class EventDetails:
    """A booking as an event in the host's calendar."""

    booking_uid: str
    title: str
    description: str
    start: dt.datetime
    end: dt.datetime
    location: str
    guest_name: str
    guest_email: str
    tentative: bool
    add_conference: bool = False  # Google Meet: conferenceData.createRequest


@dataclass(frozen=True)
class WrittenRemote:
    external_id: str
    meeting_url: str = ""


class CalendarProvider(Protocol):
    name: str
    label: str

    def is_configured(self) -> bool: ...

    def start_consent(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        """(URL of the consent page, what the callback needs: PKCE verifier or flow)."""
        ...

    def finish_consent(self, *, saved: dict, params: dict, redirect_uri: str) -> Account: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def revoke(self, tokens: Tokens) -> None: ...

    def list_calendars(self, access_token: str) -> list[RemoteCalendar]: ...

    def read_events(
        self,
        access_token: str,
        calendar: RemoteCalendar,
        *,
        cursor: str,
        window: tuple[dt.datetime, dt.datetime],
        host_zone: str,
    ) -> SyncPage: ...

    def busy_intervals(
        self,
        access_token: str,
        account_email: str,
        calendar_ids: list[str],
        start: dt.datetime,
        end: dt.datetime,
        *,
        timeout: float,
    ) -> list[tuple[dt.datetime, dt.datetime]]: ...

    def write_event(
        self, access_token: str, calendar_id: str, event_id: str, details: EventDetails
    ) -> WrittenRemote: ...

    def delete_event(self, access_token: str, calendar_id: str, event_id: str) -> None: ...

    def start_push(
        self, access_token: str, calendar_id: str, *, address: str, secret: str
    ) -> tuple[str, str, dt.datetime]:
        """(channel or subscription id, resource id, expiry)."""
        ...

    def stop_push(self, access_token: str, push_id: str, resource_id: str) -> None: ...


# Names Graph writes besides Windows ones ("Custom" is a legacy Outlook zone: no IANA match).
MICROSOFT_ZONE_NAMES = {"tzone://Microsoft/Utc": "UTC"}


@lru_cache(maxsize=512)
def known_zone(name: str) -> ZoneInfo | None:
    """The zone for an IANA name or a Windows one ("Pacific Standard Time", as Outlook and
    Graph write them), or None. Windows names go through CLDR's windowsZones mapping as
    tzlocal ships it, regenerated from CLDR with each of its releases."""
    name = name.strip()
    for candidate in (name, MICROSOFT_ZONE_NAMES.get(name), win_tz.get(name)):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


@lru_cache(maxsize=512)
def _report_unknown(name: str) -> None:
    # A zone's name says nothing about a person; each unknown one is logged once per process.
    logger.warning("calendar zone %r is unknown; the host's zone stands in", name[:80])


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """A zone by IANA or Windows name, or the fallback (the host's) when missing or unknown."""
    if name:
        zone = known_zone(name)
        if zone is not None:
            return zone
        _report_unknown(name)
    return (known_zone(fallback) if fallback else None) or ZoneInfo("UTC")


def all_day_span(first: dt.date, end_exclusive: dt.date, zone: ZoneInfo):
    """An all-day event is busy from local midnight of its first day to local midnight after
    its last, in the event's (or calendar's) zone."""
    return (
        dt.datetime.combine(first, dt.time(0), tzinfo=zone).astimezone(dt.UTC),
        dt.datetime.combine(end_exclusive, dt.time(0), tzinfo=zone).astimezone(dt.UTC),
    )


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
