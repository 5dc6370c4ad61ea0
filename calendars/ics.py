"""ICS subscriptions: fetch a published calendar safely and expand it into busy intervals.

The fetch refuses anything but http(s) and hosts that resolve to private, loopback, link-local
or otherwise non-public addresses (also on every redirect). Each host name is resolved once:
the connection goes to the address that was checked (no second lookup for DNS rebinding to
answer differently), while the Host header and TLS (SNI and certificate check) keep the
calendar's own host name. It stops after 10 seconds and 5 MB, and sends If-None-Match /
If-Modified-Since so an unchanged calendar costs nothing.
Expansion is recurring-ical-events (RRULE, RDATE, EXDATE, moved instances).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import time
import urllib.parse
from dataclasses import dataclass

import icalendar
import recurring_ical_events
import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from calendars.providers.base import all_day_span, zone_or

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10
MAX_REDIRECTS = 3
MAX_ADDRESSES = 4  # a host's addresses tried in turn when one does not take the connection


class IcsError(Exception):
    """A URL or a fetch that cannot become busy time, in words for the host."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since last time
    etag: str
    last_modified: str


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address may be fetched from: on the public internet, not multicast."""
    return address.is_global and not address.is_multicast


def _split(url: str) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise IcsError("This is not a valid URL.") from error
    if parts.scheme == "webcal":
        parts = parts._replace(scheme="https")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IcsError("Only http://, https:// and webcal:// addresses can be read.")
    return parts


def _addresses(parts: urllib.parse.SplitResult) -> list[str]:
    """The host's addresses, from one lookup; all of them must be public unless
    ICS_ALLOW_PRIVATE_URLS (tests only)."""
    default_port = 443 if parts.scheme == "https" else 80
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or default_port, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError) as error:
        raise IcsError("The calendar's host name does not resolve.") from error
    addresses: list[str] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not settings.ICS_ALLOW_PRIVATE_URLS and not is_public(address):
            raise IcsError("This address points into a private network and is refused.")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise IcsError("The calendar's host name does not resolve.")
    return addresses


def check_url(url: str) -> urllib.parse.SplitResult:
    """Refuse URLs that are not http(s) or that point into private networks (SSRF)."""
    parts = _split(url)
    if not settings.ICS_ALLOW_PRIVATE_URLS:
        _addresses(parts)
    return parts


class _PinnedAdapter(HTTPAdapter):
    """Connects to the address in the URL (one already checked) while TLS still sends and
    verifies the calendar's own host name; requests' documented place for pool settings."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params.get("scheme") == "https":
            pool_kwargs["server_hostname"] = self.hostname
        return host_params, pool_kwargs


def _ascii_host(parts: urllib.parse.SplitResult) -> str:
    try:
        name = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise IcsError("This is not a valid URL.") from error
    return f"[{name}]" if ":" in name else name


def _pinned_get(session, parts, address: str, headers: dict, deadline: float):
    """GET parts' URL from `address` without resolving its host name again."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise IcsError("The calendar took longer than 10 seconds to answer.")
    port = f":{parts.port}" if parts.port else ""
    userinfo = parts.netloc.rpartition("@")[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{userinfo}@{literal}{port}" if userinfo else f"{literal}{port}"
    return session.get(
        parts._replace(netloc=netloc).geturl(),
        headers={**headers, "Host": f"{_ascii_host(parts)}{port}"},
        timeout=remaining,
        stream=True,
        allow_redirects=False,
    )


def _open(session, parts, addresses: list[str], headers: dict, deadline: float):
    """The answer of the first checked address that takes the connection."""
    tried = addresses[:MAX_ADDRESSES]
    for index, address in enumerate(tried):
        try:
            return _pinned_get(session, parts, address, headers, deadline)
        except requests.exceptions.SSLError as error:
            raise IcsError("The calendar's server did not prove who it is (TLS).") from error
        except requests.ConnectionError as error:
            if index + 1 < len(tried):
                continue
            raise IcsError("The calendar could not be reached.") from error
        except requests.RequestException as error:
            raise IcsError("The calendar could not be reached.") from error
    raise IcsError("The calendar could not be reached.")


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET the calendar within the limits; redirects are followed only to checked URLs."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Slotbook calendar sync"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + TIMEOUT_SECONDS
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        parts = _split(current)
        addresses = _addresses(parts)
        with requests.Session() as session:
            session.mount(f"{parts.scheme}://", _PinnedAdapter(_ascii_host(parts).strip("[]")))
            with _open(session, parts, addresses, headers, deadline) as response:
                if response.is_redirect:
                    location = response.headers.get("Location", "")
                    current = urllib.parse.urljoin(parts.geturl(), location)
                    continue
                try:
                    return _read(response, deadline, etag, last_modified)
                except requests.RequestException as error:
                    raise IcsError("The calendar could not be reached.") from error
    raise IcsError("The calendar redirected too many times.")


def _read(response: requests.Response, deadline: float, etag: str, last_modified: str):
    if response.status_code == 304:
        return Fetched(None, etag, last_modified)
    if response.status_code != 200:
        raise IcsError(f"The calendar's server answered {response.status_code}.")
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise IcsError("The calendar is larger than 5 MB.")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_BYTES:
            raise IcsError("The calendar is larger than 5 MB.")
        if time.monotonic() > deadline:
            raise IcsError("The calendar took longer than 10 seconds to answer.")
        chunks.append(chunk)
    return Fetched(
        b"".join(chunks),
        response.headers.get("ETag", ""),
        response.headers.get("Last-Modified", ""),
    )


def busy_intervals(
    body: bytes, window: tuple[dt.datetime, dt.datetime], host_zone: str
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(instance key, start, end) of every busy occurrence that touches the window.

    Busy: not TRANSP:TRANSPARENT, not STATUS:CANCELLED. All-day occurrences cover their local
    days; floating times are read in the calendar's X-WR-TIMEZONE, else the host's zone."""
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except ValueError as error:
        raise IcsError("The address did not return an iCalendar (.ics) file.") from error
    declared = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    zone = zone_or(declared or None, host_zone)
    if declared and declared != zone.key:
        # recurring-ical-events reads X-WR-TIMEZONE as an IANA name only; a Windows one
        # (Outlook) or an unknown one would fail the whole calendar: name the zone meant.
        calendar["X-WR-TIMEZONE"] = zone.key
    try:
        occurrences = recurring_ical_events.of(calendar).between(*window)
    except Exception as error:  # the library raises many types for broken rules
        raise IcsError("The calendar has an event this app cannot read.") from error
    found = []
    for event in occurrences:
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = event.get("DTSTART")
        if start is None:
            continue
        start = start.dt
        end_prop = event.get("DTEND")
        end = end_prop.dt if end_prop is not None else None
        if not isinstance(start, dt.datetime):
            last = end if isinstance(end, dt.date) else start + dt.timedelta(days=1)
            begin, finish = all_day_span(start, max(last, start + dt.timedelta(days=1)), zone)
        else:
            if end is None:
                duration = event.get("DURATION")
                end = start + (duration.dt if duration is not None else dt.timedelta(0))
            begin = start if start.tzinfo else start.replace(tzinfo=zone)
            finish = end if end.tzinfo else end.replace(tzinfo=zone)
            begin, finish = begin.astimezone(dt.UTC), finish.astimezone(dt.UTC)
        if finish <= begin:
            continue
        key = f"{event.get('UID', '')}@{begin:%Y%m%dT%H%M%SZ}"
        found.append((key, begin, finish))
    return found
