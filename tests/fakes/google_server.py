"""A local stand-in for Google's OAuth endpoints and Calendar API v3, in their wire format.

OAuth: /o/oauth2/auth (a consent page with Allow/Deny), /token (authorization_code with PKCE
S256, refresh_token with invalid_grant for revoked tokens), /revoke.
Calendar: calendarList, events list (singleEvents instances, timeMin/timeMax, pageToken,
syncToken with 410 once expired), insert (client ids, 409 duplicates, conferenceData), patch,
delete, freeBusy, events watch and channels stop. Requests need a valid bearer token (401).

Events are stored the way Google returns them with singleEvents=True: a recurring series is a
set of instances with recurringEventId and originalStartTime; add_recurring builds them,
including moved and cancelled instances, in the series' own timezone.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import secrets
import urllib.parse
from zoneinfo import ZoneInfo

from tests.fakes.https import Reply, bearer, form
from tests.fakes.oauth import FakeOAuthProvider

CLIENT_ID = "test-google-client.apps.googleusercontent.com"
CLIENT_SECRET = "test-google-secret"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _error(status: int, message: str, reason: str = "invalid"):
    return Reply(
        status,
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"domain": "global", "reason": reason, "message": message}],
            }
        },
    )


class FakeGoogle(FakeOAuthProvider):
    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET
    code_prefix = "4/"

    def __init__(self, account: str = "alice.work@gmail.com"):
        super().__init__()
        self.account = account
        self.revoked: list[str] = []
        self.calendars: dict[str, dict] = {}
        self.events: dict[str, dict[str, dict]] = {}
        self.changed: dict[str, dict[str, int]] = {}  # calendar -> event id -> change number
        self.counter = 0
        self.expired_sync_before = 0
        self.channels: dict[str, dict] = {}
        self.page_size = 250
        self.add_calendar(account, "Alice Work", primary=True)

    def point_settings_here(self, settings) -> None:
        """Send the project's Google client (OAuth and API) to this fake."""
        settings.GOOGLE_CLIENT_ID = CLIENT_ID
        settings.GOOGLE_CLIENT_SECRET = CLIENT_SECRET
        settings.GOOGLE_OAUTH_AUTH_URI = f"{self.url}/o/oauth2/auth"
        settings.GOOGLE_OAUTH_TOKEN_URI = f"{self.url}/token"
        settings.GOOGLE_OAUTH_REVOKE_URI = f"{self.url}/revoke"
        settings.GOOGLE_API_BASE_URL = f"{self.url}/"

    # --- seeding ------------------------------------------------------------------------------

    def add_calendar(self, calendar_id: str, summary: str, *, primary=False, role="owner"):
        with self.lock:
            self.calendars[calendar_id] = {
                "kind": "calendar#calendarListEntry",
                "id": calendar_id,
                "summary": summary,
                "timeZone": "America/New_York",
                "accessRole": role,
                **({"primary": True} if primary else {}),
            }
            self.events.setdefault(calendar_id, {})
            self.changed.setdefault(calendar_id, {})

    def _touch(self, calendar_id: str, event: dict) -> dict:
        self.counter += 1
        event.setdefault("kind", "calendar#event")
        event.setdefault("status", "confirmed")
        event["updated"] = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        event["etag"] = f'"{self.counter}"'
        self.events[calendar_id][event["id"]] = event
        self.changed[calendar_id][event["id"]] = self.counter
        return event

    def put_event(self, calendar_id: str, event: dict) -> dict:
        with self.lock:
            return self._touch(calendar_id, dict(event))

    def add_timed(self, calendar_id, event_id, start: dt.datetime, end: dt.datetime, **extra):
        """A timed event; start/end keep their own zone (sent as dateTime with offset)."""
        zone = getattr(start.tzinfo, "key", "UTC")
        return self.put_event(
            calendar_id,
            {
                "id": event_id,
                "summary": extra.pop("summary", "Busy"),
                "start": {"dateTime": start.isoformat(), "timeZone": zone},
                "end": {"dateTime": end.isoformat(), "timeZone": zone},
                **extra,
            },
        )

    def add_all_day(self, calendar_id, event_id, first: dt.date, days: int = 1, **extra):
        return self.put_event(
            calendar_id,
            {
                "id": event_id,
                "summary": "All day",
                "start": {"date": first.isoformat()},
                "end": {"date": (first + dt.timedelta(days=days)).isoformat()},
                **extra,
            },
        )

    def add_recurring(
        self,
        calendar_id,
        series_id,
        first_start: dt.datetime,
        duration: dt.timedelta,
        *,
        count: int,
        every: dt.timedelta = dt.timedelta(days=7),
        moved: dict[int, dt.datetime] | None = None,
        cancelled: tuple[int, ...] = (),
    ) -> list[dict]:
        """Instances of a weekly series in first_start's zone (wall clock kept across DST)."""
        zone = first_start.tzinfo
        instances = []
        for index in range(count):
            local = (first_start.replace(tzinfo=None) + every * index).replace(tzinfo=zone)
            original = {"dateTime": local.isoformat(), "timeZone": zone.key}
            start = (moved or {}).get(index, local)
            event = {
                "id": f"{series_id}_{_stamp(local)}",
                "recurringEventId": series_id,
                "originalStartTime": original,
                "summary": "Weekly",
                "start": {"dateTime": start.isoformat(), "timeZone": zone.key},
                "end": {"dateTime": (start + duration).isoformat(), "timeZone": zone.key},
            }
            if index in cancelled:
                event = {
                    "id": event["id"],
                    "recurringEventId": series_id,
                    "originalStartTime": original,
                    "status": "cancelled",
                }
            instances.append(self.put_event(calendar_id, event))
        return instances

    def remove(self, calendar_id: str, event_id: str) -> None:
        with self.lock:
            event = self.events[calendar_id][event_id]
            self._touch(calendar_id, {**event, "status": "cancelled"})

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.expired_sync_before = self.counter + 1

    # --- OAuth --------------------------------------------------------------------------------

    def callback_extras(self, query: dict) -> dict:
        return {"scope": query.get("scope", "")}

    def _consent_page(self, query: dict) -> str:
        if query.get("client_id") != CLIENT_ID:
            raise Reply(400, "<h1>Error 401: invalid_client</h1>")
        if query.get("access_type") != "offline" or not query.get("code_challenge"):
            raise Reply(400, "<h1>offline access and PKCE expected by this fake</h1>")
        allow = html.escape(self._issue_code(query))
        deny = html.escape(self._denied(query))
        return (
            "<!doctype html><title>Sign in - Google Accounts</title>"
            f"<h1>Slotbook wants to access your Google Account {html.escape(self.account)}</h1>"
            f"<p>Scopes: {html.escape(query.get('scope', ''))}</p>"
            f'<a id="allow" href="{allow}">Allow</a> <a id="deny" href="{deny}">Cancel</a>'
        )

    def _new_access(self) -> str:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens.add(token)
        return token

    def _token(self, headers, body: bytes):
        fields = form(body)
        if not self._client_ok(headers, fields):
            raise Reply(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        with self.lock:
            if fields.get("grant_type") == "authorization_code":
                grant = self._redeem(fields, unknown="Bad code", mismatch="PKCE mismatch")
                refresh = "1//" + secrets.token_urlsafe(24)
                self.refresh_tokens.add(refresh)
                return {
                    "access_token": self._new_access(),
                    "expires_in": 3599,
                    "refresh_token": refresh,
                    "scope": grant["scope"],
                    "token_type": "Bearer",
                }
            if fields.get("grant_type") == "refresh_token":
                if fields.get("refresh_token") not in self.refresh_tokens:
                    raise Reply(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "Token has been expired or revoked.",
                        },
                    )
                return {
                    "access_token": self._new_access(),
                    "expires_in": 3599,
                    "scope": fields.get("scope", ""),
                    "token_type": "Bearer",
                }
        raise Reply(400, {"error": "unsupported_grant_type"})

    # --- Calendar API -------------------------------------------------------------------------

    def handle(self, method, path, query, headers, body):
        if path == "/o/oauth2/auth" and method == "GET":
            return self._consent_page(query)
        if path == "/token" and method == "POST":
            return self._token(headers, body)
        if path == "/revoke" and method == "POST":
            token = form(body).get("token", "")
            with self.lock:
                self.revoked.append(token)
                self.refresh_tokens.discard(token)
                self.access_tokens.discard(token)
            return {}
        if not path.startswith("/calendar/v3/"):
            raise Reply(404, {"error": {"code": 404, "message": "Not Found"}})
        if bearer(headers) not in self.access_tokens:
            raise _error(401, "Request had invalid authentication credentials.", "authError")
        rest = urllib.parse.unquote(path[len("/calendar/v3/") :])
        payload = json.loads(body) if body else {}
        with self.lock:
            return self._api(method, rest, query, payload)

    def _api(self, method, rest, query, payload):
        if rest == "users/me/calendarList" and method == "GET":
            return {"kind": "calendar#calendarList", "items": list(self.calendars.values())}
        if rest == "freeBusy" and method == "POST":
            return self._free_busy(payload)
        if rest == "channels/stop" and method == "POST":
            self.channels.pop(payload.get("id"), None)
            return b""
        parts = rest.split("/")
        if len(parts) < 3 or parts[0] != "calendars" or parts[1] not in self.calendars:
            raise _error(404, "Not Found", "notFound")
        calendar_id = parts[1]
        if parts[2:] == ["events"] and method == "GET":
            return self._list(calendar_id, query)
        if parts[2:] == ["events"] and method == "POST":
            return self._insert(calendar_id, query, payload)
        if parts[2:] == ["events", "watch"] and method == "POST":
            channel = {
                "kind": "api#channel",
                "id": payload["id"],
                "resourceId": "res-" + secrets.token_hex(6),
                "resourceUri": f"{self.url}/calendar/v3/calendars/{calendar_id}/events",
                "token": payload.get("token"),
                "address": payload.get("address"),
                "calendar": calendar_id,
                "expiration": str(
                    int((dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).timestamp() * 1000)
                ),
            }
            self.channels[payload["id"]] = channel
            return channel
        if len(parts) == 4 and parts[2] == "events":
            return self._one(method, calendar_id, parts[3], query, payload)
        raise _error(404, "Not Found", "notFound")

    def _list(self, calendar_id, query):
        events = self.events[calendar_id]
        sync_token = query.get("syncToken")
        if sync_token:
            number = int(sync_token.split("-")[-1])
            if number < self.expired_sync_before:
                raise _error(
                    410,
                    "Sync token is no longer valid, a full sync is required.",
                    "fullSyncRequired",
                )
            items = [
                events[event_id]
                for event_id, changed in sorted(
                    self.changed[calendar_id].items(), key=lambda item: item[1]
                )
                if changed > number
            ]
        else:
            time_min = query.get("timeMin")
            time_max = query.get("timeMax")
            items = []
            for event in events.values():
                if event.get("status") == "cancelled" and query.get("showDeleted") != "true":
                    continue
                if time_min and time_max and not self._overlaps(event, time_min, time_max):
                    continue
                items.append(event)
            items.sort(
                key=lambda event: (
                    self._span(event)[0]
                    if "start" in event
                    else dt.datetime.min.replace(tzinfo=dt.UTC)
                )
            )
        offset = int(query.get("pageToken") or 0)
        size = min(int(query.get("maxResults") or 250), self.page_size)
        page = items[offset : offset + size]
        answer = {
            "kind": "calendar#events",
            "summary": self.calendars[calendar_id]["summary"],
            "timeZone": self.calendars[calendar_id]["timeZone"],
            "items": page,
        }
        if offset + size < len(items):
            answer["nextPageToken"] = str(offset + size)
        else:
            answer["nextSyncToken"] = f"sync-{calendar_id}-{self.counter}"
        return answer

    def _span(self, event):
        start, end = event["start"], event["end"]
        if "date" in start:
            zone = ZoneInfo(self.calendars_zone)
            return (
                dt.datetime.combine(dt.date.fromisoformat(start["date"]), dt.time(0), zone),
                dt.datetime.combine(dt.date.fromisoformat(end["date"]), dt.time(0), zone),
            )
        return (
            dt.datetime.fromisoformat(start["dateTime"].replace("Z", "+00:00")),
            dt.datetime.fromisoformat(end["dateTime"].replace("Z", "+00:00")),
        )

    calendars_zone = "America/New_York"

    def _overlaps(self, event, time_min, time_max) -> bool:
        low = dt.datetime.fromisoformat(time_min.replace("Z", "+00:00"))
        high = dt.datetime.fromisoformat(time_max.replace("Z", "+00:00"))
        start, end = self._span(event)
        return start < high and end > low

    def _conference(self, event, query, payload):
        request = (payload.get("conferenceData") or {}).get("createRequest")
        if request and query.get("conferenceDataVersion") == "1":
            code = "abc-defg-" + secrets.token_hex(2)
            event["conferenceData"] = {
                "createRequest": {**request, "status": {"statusCode": "success"}},
                "entryPoints": [
                    {"entryPointType": "video", "uri": f"https://meet.google.com/{code}"}
                ],
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
                "conferenceId": code,
            }
            event["hangoutLink"] = f"https://meet.google.com/{code}"

    def _insert(self, calendar_id, query, payload):
        event_id = payload.get("id") or secrets.token_hex(10)
        if event_id in self.events[calendar_id]:
            raise _error(409, "The requested identifier already exists.", "duplicate")
        event = {**payload, "id": event_id}
        event.pop("conferenceData", None)
        self._conference(event, query, payload)
        event["sendUpdates"] = query.get("sendUpdates")
        return self._touch(calendar_id, event)

    def _one(self, method, calendar_id, event_id, query, payload):
        event = self.events[calendar_id].get(event_id)
        if event is None:
            raise _error(404, "Not Found", "notFound")
        if method == "GET":
            return event
        if method == "PATCH":
            if event.get("status") == "cancelled" and "status" not in payload:
                payload = {**payload, "status": "confirmed"}
            merged = {**event, **{k: v for k, v in payload.items() if k != "conferenceData"}}
            merged["sendUpdates"] = query.get("sendUpdates")
            return self._touch(calendar_id, merged)
        if method == "DELETE":
            if event.get("status") == "cancelled":
                raise _error(410, "Resource has been deleted", "deleted")
            self._touch(calendar_id, {**event, "status": "cancelled"})
            return b""
        raise _error(405, "Method not allowed")

    def _free_busy(self, payload):
        low, high = payload["timeMin"], payload["timeMax"]
        calendars = {}
        for item in payload.get("items", []):
            calendar_id = item["id"]
            if calendar_id not in self.events:
                calendars[calendar_id] = {"errors": [{"domain": "global", "reason": "notFound"}]}
                continue
            spans = []
            for event in self.events[calendar_id].values():
                if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
                    continue
                if not self._overlaps(event, low, high):
                    continue
                spans.append(self._span(event))
            # Like Google, overlapping and touching busy periods come back merged.
            merged: list[list[dt.datetime]] = []
            for start, end in sorted(spans):
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            calendars[calendar_id] = {
                "busy": [
                    {
                        "start": start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                        "end": end.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                    }
                    for start, end in merged
                ]
            }
        return {
            "kind": "calendar#freeBusy",
            "timeMin": low,
            "timeMax": high,
            "calendars": calendars,
        }
