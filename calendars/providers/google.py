"""Google Calendar through google-auth-oauthlib (consent, PKCE), google-auth (refresh) and
google-api-python-client (Calendar API v3).

Scopes are the narrow ones: events (read and write on the host's calendars), the calendar list
read-only and free/busy. Never the full `calendar` scope. Recurring events are expanded by
Google (`singleEvents=True`), so exceptions, moved and cancelled instances arrive as instances.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import urllib.parse

import google.auth.exceptions
import google.auth.transport.requests
import google_auth_httplib2
import httplib2
import requests
from django.conf import settings
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from calendars.providers.base import (
    REQUEST_TIMEOUT,
    AccessTokenRejected,
    Account,
    BusyEvent,
    Conflict,
    EventDetails,
    NotFound,
    ProviderError,
    ReconnectNeeded,
    RemoteCalendar,
    SyncCursorExpired,
    SyncPage,
    TemporaryFailure,
    Tokens,
    WrittenRemote,
    all_day_span,
    parse_retry_after,
    zone_or,
)

logger = logging.getLogger(__name__)

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/calendar.freebusy",
]
# Marks the events this app writes, so a sync never reads a booking back as busy time.
BOOKING_PROPERTY = "slotbook_booking"
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


def _client_config() -> dict:
    return {
        "web": {
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "auth_uri": settings.GOOGLE_OAUTH_AUTH_URI,
            "token_uri": settings.GOOGLE_OAUTH_TOKEN_URI,
        }
    }


def _expiry(seconds) -> dt.datetime | None:
    if not seconds:
        return None
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(seconds))


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def _error_from(error: HttpError) -> ProviderError:
    status = error.resp.status
    retry_after = parse_retry_after(error.resp.get("retry-after"))
    try:
        body = json.loads(error.content or b"{}").get("error", {})
    except (ValueError, AttributeError):
        body = {}
    if not isinstance(body, dict):  # OAuth-style {"error": "invalid_request"}
        body = {}
    reasons = {item.get("reason") for item in body.get("errors", []) if isinstance(item, dict)}
    message = body.get("message") or f"Google answered {status}"
    if status == 401:
        return AccessTokenRejected("Google refused the access token.")
    if status == 410:
        return SyncCursorExpired("Google asked for a full resync.")
    if status == 409:
        return Conflict(message)
    if status == 404:
        return NotFound(message)
    if status == 429 or (status == 403 and reasons & RATE_LIMIT_REASONS):
        return TemporaryFailure("Google is rate limiting requests.", retry_after=retry_after)
    if status >= 500:
        return TemporaryFailure(f"Google is having trouble ({status}).", retry_after=retry_after)
    return ProviderError(f"Google refused the request ({status}): {message}"[:280])


def own_event_id(booking_uid: str) -> str:
    """Our choice of event id (base32hex: 0-9a-v), the same on every retry."""
    return "sb" + booking_uid.replace("-", "")


class GoogleProvider:
    name = "google"
    label = "Google Calendar"

    def is_configured(self) -> bool:
        return bool(settings.GOOGLE_CLIENT_ID)

    # --- consent and tokens -----------------------------------------------------------------

    def start_consent(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        flow = Flow.from_client_config(
            _client_config(),
            scopes=SCOPES,
            redirect_uri=redirect_uri,
            autogenerate_code_verifier=True,
        )
        # offline + consent: Google issues a refresh token every time the host connects.
        url, _ = flow.authorization_url(access_type="offline", prompt="consent", state=state)
        return url, {"code_verifier": flow.code_verifier}

    def finish_consent(self, *, saved: dict, params: dict, redirect_uri: str) -> Account:
        flow = Flow.from_client_config(
            _client_config(),
            scopes=SCOPES,
            redirect_uri=redirect_uri,
            code_verifier=saved.get("code_verifier"),
            autogenerate_code_verifier=False,
        )
        try:
            token = flow.fetch_token(code=params.get("code", ""), timeout=REQUEST_TIMEOUT)
        except (OAuth2Error, Warning) as error:
            raise ProviderError(f"Google did not accept the sign-in ({error}).") from error
        except requests.RequestException as error:
            logger.warning("google token exchange failed: %s", type(error).__name__)
            raise TemporaryFailure("Google could not be reached.") from error
        tokens = Tokens(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=_expiry(token.get("expires_in")),
        )
        # The primary calendar's id is the account's address; no profile scope needed.
        primary = next(
            (item for item in self.list_calendars(tokens.access_token) if item.is_primary), None
        )
        if primary is None:
            raise ProviderError("This Google account has no primary calendar.")
        return Account(email=primary.external_id, tokens=tokens)

    def refresh(self, refresh_token: str) -> Tokens:
        credentials = Credentials(
            token=None,
            refresh_token=refresh_token,
            token_uri=settings.GOOGLE_OAUTH_TOKEN_URI,
            client_id=settings.GOOGLE_CLIENT_ID,
            client_secret=settings.GOOGLE_CLIENT_SECRET,
            scopes=SCOPES,
        )
        try:
            credentials.refresh(google.auth.transport.requests.Request())
        except google.auth.exceptions.RefreshError as error:
            if "invalid_grant" in str(error):
                raise ReconnectNeeded("Google access was revoked or expired.") from error
            raise TemporaryFailure("Google could not refresh the access token.") from error
        except google.auth.exceptions.TransportError as error:
            raise TemporaryFailure("Google could not be reached.") from error
        expires_at = credentials.expiry.replace(tzinfo=dt.UTC) if credentials.expiry else None
        return Tokens(credentials.token, credentials.refresh_token, expires_at)

    def revoke(self, tokens: Tokens) -> None:
        token = tokens.refresh_token or tokens.access_token
        try:
            requests.post(
                settings.GOOGLE_OAUTH_REVOKE_URI, data={"token": token}, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as error:
            raise TemporaryFailure("Google could not be reached to revoke access.") from error

    # --- Calendar API -------------------------------------------------------------------------

    def _service(self, access_token: str, timeout: float | None = None):
        # refresh_status_codes=(): a 401 comes back to us, so refreshing stays under our row
        # lock (calendars.services) instead of happening inside the HTTP client.
        http = google_auth_httplib2.AuthorizedHttp(
            Credentials(token=access_token),
            http=httplib2.Http(timeout=timeout or REQUEST_TIMEOUT),
            refresh_status_codes=(),
        )
        return discovery.build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options={
                "api_endpoint": urllib.parse.urljoin(settings.GOOGLE_API_BASE_URL, "calendar/v3/")
            },
        )

    def _execute(self, request):
        try:
            return request.execute()
        except HttpError as error:
            raise _error_from(error) from error
        except (TimeoutError, OSError, httplib2.HttpLib2Error) as error:
            raise TemporaryFailure("Google did not answer in time.") from error

    def list_calendars(self, access_token: str) -> list[RemoteCalendar]:
        service = self._service(access_token)
        calendars: list[RemoteCalendar] = []
        page_token = None
        while True:
            page = self._execute(
                service.calendarList().list(pageToken=page_token, minAccessRole="freeBusyReader")
            )
            for item in page.get("items", []):
                calendars.append(
                    RemoteCalendar(
                        external_id=item["id"],
                        name=item.get("summaryOverride") or item.get("summary") or item["id"],
                        is_primary=bool(item.get("primary")),
                        can_write=item.get("accessRole") in ("owner", "writer"),
                        timezone=item.get("timeZone", ""),
                    )
                )
            page_token = page.get("nextPageToken")
            if not page_token:
                return calendars

    def read_events(self, access_token, calendar, *, cursor, window, host_zone) -> SyncPage:
        service = self._service(access_token)
        result = SyncPage(full=not cursor)
        page_token = None
        while True:
            params = {
                "calendarId": calendar.external_id,
                "singleEvents": True,
                "showDeleted": bool(cursor),
                "maxResults": 250,
                "pageToken": page_token,
            }
            if cursor:
                params["syncToken"] = cursor
            else:
                params["timeMin"] = window[0].isoformat()
                params["timeMax"] = window[1].isoformat()
            page = self._execute(service.events().list(**params))
            zone_name = page.get("timeZone") or calendar.timezone
            result.events.extend(
                self._busy_event(item, zone_name, host_zone) for item in page.get("items", [])
            )
            page_token = page.get("nextPageToken")
            if not page_token:
                result.cursor = page.get("nextSyncToken", "")
                return result

    @staticmethod
    def _busy_event(item: dict, zone_name: str, host_zone: str) -> BusyEvent:
        event_id = item["id"]
        private = (item.get("extendedProperties") or {}).get("private") or {}
        if BOOKING_PROPERTY in private:
            return BusyEvent(event_id, written_by_us=True)
        if item.get("status") == "cancelled" or item.get("transparency") == "transparent":
            return BusyEvent(event_id)
        for attendee in item.get("attendees") or []:
            if attendee.get("self") and attendee.get("responseStatus") == "declined":
                return BusyEvent(event_id)
        start, end = item.get("start") or {}, item.get("end") or {}
        if "date" in start:
            zone = zone_or(start.get("timeZone") or zone_name, host_zone)
            first = dt.date.fromisoformat(start["date"])
            last = dt.date.fromisoformat(end.get("date", start["date"]))
            begin, finish = all_day_span(first, max(last, first + dt.timedelta(days=1)), zone)
        elif "dateTime" in start:
            begin, finish = _instant(start["dateTime"]), _instant(end["dateTime"])
        else:
            return BusyEvent(event_id)
        if finish <= begin:
            return BusyEvent(event_id)
        return BusyEvent(event_id, start=begin, end=finish, busy=True)

    def busy_intervals(self, access_token, account_email, calendar_ids, start, end, *, timeout):
        service = self._service(access_token, timeout=timeout)
        answer = self._execute(
            service.freebusy().query(
                body={
                    "timeMin": start.isoformat(),
                    "timeMax": end.isoformat(),
                    "items": [{"id": calendar_id} for calendar_id in calendar_ids],
                }
            )
        )
        intervals = []
        for calendar in (answer.get("calendars") or {}).values():
            if calendar.get("errors"):
                raise TemporaryFailure("Google could not tell free/busy for a calendar.")
            for busy in calendar.get("busy", []):
                intervals.append((_instant(busy["start"]), _instant(busy["end"])))
        return intervals

    def _event_body(self, details: EventDetails) -> dict:
        return {
            "summary": details.title,
            "description": details.description,
            "location": details.location,
            "start": {"dateTime": details.start.isoformat()},
            "end": {"dateTime": details.end.isoformat()},
            "status": "tentative" if details.tentative else "confirmed",
            "attendees": [{"email": details.guest_email, "displayName": details.guest_name}],
            "extendedProperties": {"private": {BOOKING_PROPERTY: details.booking_uid}},
        }

    def write_event(self, access_token, calendar_id, event_id, details) -> WrittenRemote:
        """Create or update the event with our own id (so a retried insert cannot duplicate).
        sendUpdates=none: our own email already invited the guest."""
        service = self._service(access_token)
        body = self._event_body(details)
        # The Meet conference is asked for once, when the event is created; updates keep it.
        new_body = {**body, "id": event_id or own_event_id(details.booking_uid)}
        extra = {}
        if details.add_conference:
            new_body["conferenceData"] = {
                "createRequest": {
                    "requestId": details.booking_uid,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            }
            extra["conferenceDataVersion"] = 1

        def insert():
            return self._execute(
                service.events().insert(
                    calendarId=calendar_id, body=new_body, sendUpdates="none", **extra
                )
            )

        def patch(known_id):
            return self._execute(
                service.events().patch(
                    calendarId=calendar_id,
                    eventId=known_id,
                    body=body,
                    sendUpdates="none",
                    **extra,  # conferenceDataVersion=1 keeps the existing conference
                )
            )

        if event_id:
            try:
                event = patch(event_id)
            except NotFound:
                event = insert()
        else:
            try:
                event = insert()
            except Conflict:  # an earlier attempt got through before its answer was lost
                event = patch(own_event_id(details.booking_uid))
        return WrittenRemote(external_id=event["id"], meeting_url=self._meeting_url(event))

    @staticmethod
    def _meeting_url(event: dict) -> str:
        for entry in (event.get("conferenceData") or {}).get("entryPoints", []):
            if entry.get("entryPointType") == "video" and entry.get("uri"):
                return entry["uri"]
        return event.get("hangoutLink", "")

    def delete_event(self, access_token, calendar_id, event_id) -> None:
        service = self._service(access_token)
        try:
            self._execute(
                service.events().delete(
                    calendarId=calendar_id, eventId=event_id, sendUpdates="none"
                )
            )
        except (NotFound, SyncCursorExpired):
            return  # already gone (Google answers 410 for an event deleted before)

    def start_push(self, access_token, calendar_id, *, address, secret):
        service = self._service(access_token)
        channel = self._execute(
            service.events().watch(
                calendarId=calendar_id,
                body={
                    "id": secrets.token_hex(16),
                    "type": "web_hook",
                    "address": address,
                    "token": secret,
                    "params": {"ttl": str(7 * 24 * 3600)},
                },
            )
        )
        expires = dt.datetime.fromtimestamp(int(channel["expiration"]) / 1000, tz=dt.UTC)
        return channel["id"], channel["resourceId"], expires

    def stop_push(self, access_token, push_id, resource_id) -> None:
        service = self._service(access_token)
        self._execute(service.channels().stop(body={"id": push_id, "resourceId": resource_id}))
