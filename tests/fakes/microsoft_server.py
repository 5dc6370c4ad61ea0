"""A local stand-in for the Microsoft identity platform (v2.0) and Microsoft Graph calendars.

Identity: /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/authorize (a
consent page), /{tenant}/oauth2/v2.0/token (authorization_code with PKCE and nonce in the
id_token; refresh_token that ROTATES: a spent refresh token answers invalid_grant).
Graph v1.0: /me/calendars, calendarView/delta (pages of @odata.nextLink, then @odata.deltaLink;
deletions as @removed; 410 for an expired delta token), /me/calendar/getSchedule, events
create (transactionId de-duplicates) / patch / delete, /subscriptions. Bearer tokens checked.

Times: events keep the zone they were made in, Windows names included ("Pacific Standard
Time"); answers give timed events in the zone of `Prefer: outlook.timezone` (UTC without it)
and leave all-day events on their own dates and zone, as Graph does.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import secrets
import time
import urllib.parse
from zoneinfo import ZoneInfo

from tzlocal.windows_tz import win_tz

from tests.fakes.https import Reply, bearer, form
from tests.fakes.oauth import FakeOAuthProvider

CLIENT_ID = "00000000-test-4000-8000-slotbook0001"
CLIENT_SECRET = "test-microsoft-secret"
TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def graph_time(moment: dt.datetime) -> dict:
    return {
        "dateTime": moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
        "timeZone": "UTC",
    }


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(win_tz.get(name, name))


def local_time(moment: dt.datetime, zone: str) -> dict:
    """A Graph dateTimeTimeZone on the wall clock of `zone` (a Windows or IANA name)."""
    wall = moment.astimezone(_zone(zone))
    return {"dateTime": wall.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone}


def _parse(value: dict) -> dt.datetime:
    wall = dt.datetime.fromisoformat(value["dateTime"][:19])
    return wall.replace(tzinfo=_zone(value.get("timeZone") or "UTC")).astimezone(dt.UTC)


def _preferred_zone(headers) -> str:
    found = re.search(r'outlook\.timezone="([^"]+)"', headers.get("Prefer", ""))
    return found.group(1) if found else "UTC"


def _as_seen(event: dict, zone: str) -> dict:
    if "@removed" in event or event.get("isAllDay"):
        return event
    return {
        **event,
        "start": local_time(_parse(event["start"]), zone),
        "end": local_time(_parse(event["end"]), zone),
    }


def _graph_error(status: int, code: str, message: str):
    return Reply(status, {"error": {"code": code, "message": message}})


class FakeMicrosoft(FakeOAuthProvider):
    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET
    code_prefix = "M.C"

    def __init__(self, account: str = "alice@contoso.com"):
        super().__init__()
        self.account = account
        self.spent_refresh_tokens: set[str] = set()
        self.calendars: dict[str, dict] = {}
        self.events: dict[str, dict[str, dict]] = {}
        self.changed: dict[str, dict[str, int]] = {}
        self.removed: dict[str, dict[str, int]] = {}
        self.counter = 0
        self.expired_delta_before = 0
        self.subscriptions: dict[str, dict] = {}
        self.page_size = 50
        self.token_latency = 0.0
        self.add_calendar("AAMkAGI2-primary", "Calendar", default=True)

    # --- seeding ------------------------------------------------------------------------------

    def point_settings_here(self, settings) -> None:
        """Send the project's Microsoft client (msal and Graph) to this fake."""
        settings.MICROSOFT_CLIENT_ID = CLIENT_ID
        settings.MICROSOFT_CLIENT_SECRET = CLIENT_SECRET
        settings.MICROSOFT_TENANT = "common"
        settings.MICROSOFT_AUTHORITY_URL = self.url
        settings.MICROSOFT_GRAPH_URL = f"{self.url}/v1.0"

    def add_calendar(self, calendar_id: str, name: str, *, default=False, can_edit=True):
        with self.lock:
            self.calendars[calendar_id] = {
                "id": calendar_id,
                "name": name,
                "isDefaultCalendar": default,
                "canEdit": can_edit,
                "owner": {"name": "Alice", "address": self.account},
            }
            self.events.setdefault(calendar_id, {})
            self.changed.setdefault(calendar_id, {})
            self.removed.setdefault(calendar_id, {})

    @property
    def primary(self) -> str:
        return next(key for key, value in self.calendars.items() if value["isDefaultCalendar"])

    def put_event(self, calendar_id: str, event: dict) -> dict:
        with self.lock:
            self.counter += 1
            event = {
                "isAllDay": False,
                "isCancelled": False,
                "showAs": "busy",
                "type": "singleInstance",
                "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
                **event,
            }
            self.events[calendar_id][event["id"]] = event
            self.changed[calendar_id][event["id"]] = self.counter
            self.removed[calendar_id].pop(event["id"], None)
            return event

    def add_timed(self, calendar_id, event_id, start, end, zone="UTC", **extra):
        """An event made in `zone` (as Outlook names it, e.g. "W. Europe Standard Time")."""
        return self.put_event(
            calendar_id,
            {
                "id": event_id,
                "subject": "Busy",
                "originalStartTimeZone": zone,
                "originalEndTimeZone": zone,
                "start": local_time(start, zone),
                "end": local_time(end, zone),
            }
            | extra,
        )

    def add_all_day(self, calendar_id, event_id, first: dt.date, days=1, zone="UTC", **extra):
        last = first + dt.timedelta(days=days)
        return self.put_event(
            calendar_id,
            {
                "id": event_id,
                "subject": "All day",
                "isAllDay": True,
                "originalStartTimeZone": zone,
                "originalEndTimeZone": zone,
                "start": {"dateTime": f"{first.isoformat()}T00:00:00.0000000", "timeZone": zone},
                "end": {"dateTime": f"{last.isoformat()}T00:00:00.0000000", "timeZone": zone},
            }
            | extra,
        )

    def delete(self, calendar_id: str, event_id: str) -> None:
        with self.lock:
            self.counter += 1
            self.events[calendar_id].pop(event_id, None)
            self.changed[calendar_id].pop(event_id, None)
            self.removed[calendar_id][event_id] = self.counter

    def expire_delta_tokens(self) -> None:
        with self.lock:
            self.expired_delta_before = self.counter + 1

    # --- identity -----------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"{self.url}/{TENANT_ID}/v2.0"

    def _openid_configuration(self, tenant: str) -> dict:
        base = f"{self.url}/{tenant}"
        return {
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "issuer": self.issuer,
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    def callback_extras(self, query: dict) -> dict:
        return {"session_state": "fake"}

    def _consent_page(self, query: dict) -> str:
        if query.get("client_id") != CLIENT_ID:
            raise Reply(400, "<h1>AADSTS700016: Application not found</h1>")
        if "offline_access" not in query.get("scope", "") or not query.get("code_challenge"):
            raise Reply(400, "<h1>offline_access and PKCE expected by this fake</h1>")
        allow = html.escape(self._issue_code(query))
        deny = html.escape(self._denied(query, error_description="The user has denied access."))
        return (
            "<!doctype html><title>Sign in to your account</title>"
            f"<h1>Let Slotbook access {html.escape(self.account)}?</h1>"
            f'<a id="allow" href="{allow}">Accept</a> <a id="deny" href="{deny}">Cancel</a>'
        )

    def _id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "aud": CLIENT_ID,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": "Alice",
            "oid": "00000000-0000-0000-aaaa-000000000001",
            "preferred_username": self.account,
            "sub": "alice-sub",
            "tid": TENANT_ID,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return f"{_b64({'typ': 'JWT', 'alg': 'none'})}.{_b64(claims)}."

    def _tokens(self, scope: str, nonce: str | None) -> dict:
        access = "eyJ0eXAi." + secrets.token_urlsafe(24)
        refresh = "0.AR" + secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": self._id_token(nonce),
            "client_info": _b64({"uid": "00000000-0000-0000-aaaa-000000000001", "utid": TENANT_ID}),
        }

    def _token(self, headers, body):
        fields = form(body)
        if not self._client_ok(headers, fields):
            raise Reply(401, {"error": "invalid_client", "error_description": "AADSTS7000215"})
        if self.token_latency:
            time.sleep(self.token_latency)
        with self.lock:
            grant = fields.get("grant_type")
            if grant == "authorization_code":
                saved = self._redeem(fields, unknown="AADSTS70000", mismatch="AADSTS50148")
                return self._tokens(saved["scope"], saved["nonce"])
            if grant == "refresh_token":
                token = fields.get("refresh_token", "")
                if token not in self.refresh_tokens:
                    raise Reply(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "AADSTS700082: The refresh token has expired.",
                            "error_codes": [700082],
                        },
                    )
                # Rotation: the refresh token just used is spent.
                self.refresh_tokens.discard(token)
                self.spent_refresh_tokens.add(token)
                return self._tokens(fields.get("scope", ""), None)
        raise Reply(400, {"error": "unsupported_grant_type"})

    # --- Graph --------------------------------------------------------------------------------

    def handle(self, method, path, query, headers, body):
        parts = path.strip("/").split("/")
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            return self._openid_configuration(parts[0])
        if len(parts) == 4 and parts[1:3] == ["oauth2", "v2.0"]:
            if parts[3] == "authorize" and method == "GET":
                return self._consent_page(query)
            if parts[3] == "token" and method == "POST":
                return self._token(headers, body)
        if parts[0] != "v1.0":
            raise Reply(404, {"error": "not_found"})
        if bearer(headers) not in self.access_tokens:
            raise _graph_error(401, "InvalidAuthenticationToken", "Access token has expired.")
        payload = json.loads(body) if body else {}
        with self.lock:
            return self._graph(method, parts[1:], query, headers, payload)

    def _graph(self, method, parts, query, headers, payload):
        if parts == ["me", "calendars"] and method == "GET":
            return {"value": list(self.calendars.values())}
        if parts == ["me", "calendar", "getSchedule"] and method == "POST":
            return self._schedule(payload, _preferred_zone(headers))
        if parts == ["subscriptions"] and method == "POST":
            subscription_id = secrets.token_hex(8)
            self.subscriptions[subscription_id] = {"id": subscription_id, **payload}
            return {"id": subscription_id, **payload}
        if len(parts) == 2 and parts[0] == "subscriptions" and method == "DELETE":
            if self.subscriptions.pop(parts[1], None) is None:
                raise _graph_error(404, "ResourceNotFound", "No subscription")
            raise Reply(204, b"")
        if len(parts) >= 3 and parts[:2] == ["me", "calendars"]:
            calendar_id = parts[2]
            if calendar_id not in self.calendars:
                raise _graph_error(404, "ErrorItemNotFound", "Calendar not found")
            if parts[3:] == ["calendarView", "delta"] and method == "GET":
                return self._delta(calendar_id, query, headers)
            if parts[3:] == ["events"] and method == "POST":
                return self._create(calendar_id, payload)
        if len(parts) == 3 and parts[:2] == ["me", "events"]:
            return self._one(method, parts[2], payload, _preferred_zone(headers))
        raise _graph_error(404, "ResourceNotFound", "Resource not found")

    def _link(self, calendar_id: str, **params) -> str:
        return (
            f"{self.url}/v1.0/me/calendars/{calendar_id}/calendarView/delta?"
            + urllib.parse.urlencode(params)
        )

    def _delta(self, calendar_id, query, headers):
        size = self.page_size
        prefer = headers.get("Prefer", "")
        if "odata.maxpagesize=" in prefer:
            size = min(size, int(prefer.split("odata.maxpagesize=")[1].split(",")[0]))
        if "$deltatoken" in query:
            since = int(query["$deltatoken"])
            if since < self.expired_delta_before:
                raise _graph_error(410, "SyncStateNotFound", "The sync state is not found.")
            changed = [
                self.events[calendar_id][event_id]
                for event_id, number in sorted(
                    self.changed[calendar_id].items(), key=lambda i: i[1]
                )
                if number > since
            ]
            gone = [
                {"@removed": {"reason": "deleted"}, "id": event_id}
                for event_id, number in self.removed[calendar_id].items()
                if number > since
            ]
            items, offset, window = changed + gone, 0, (None, None)
        else:
            if "$skiptoken" in query:
                offset, start, end = query["$skiptoken"].split("|")
                offset = int(offset)
            else:
                offset, start, end = 0, query["startDateTime"], query["endDateTime"]
            low = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
            high = dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
            window = (start, end)
            items = sorted(
                (
                    event
                    for event in self.events[calendar_id].values()
                    if _parse(event["start"]) < high and _parse(event["end"]) > low
                ),
                key=lambda event: _parse(event["start"]),
            )
        zone = _preferred_zone(headers)
        page = [_as_seen(event, zone) for event in items[offset : offset + size]]
        answer = {"@odata.context": f"{self.url}/v1.0/$metadata#Collection(event)", "value": page}
        if offset + size < len(items) and window[0]:
            answer["@odata.nextLink"] = self._link(
                calendar_id, **{"$skiptoken": f"{offset + size}|{window[0]}|{window[1]}"}
            )
        else:
            answer["@odata.deltaLink"] = self._link(calendar_id, **{"$deltatoken": self.counter})
        return answer

    def _create(self, calendar_id, payload):
        transaction = payload.get("transactionId")
        if transaction:
            for event in self.events[calendar_id].values():
                if event.get("transactionId") == transaction:
                    return event
        event = {**payload, "id": "AAMkEv" + secrets.token_hex(12)}
        for key in ("start", "end"):
            event[key] = graph_time(_parse(payload[key]))
        event["responseStatus"] = {"response": "organizer"}
        created = self.put_event(calendar_id, event)
        raise Reply(201, created)

    def _find(self, event_id):
        for calendar_id, events in self.events.items():
            if event_id in events:
                return calendar_id, events[event_id]
        raise _graph_error(404, "ErrorItemNotFound", "The specified object was not found.")

    def _one(self, method, event_id, payload, zone):
        calendar_id, event = self._find(event_id)
        if method == "GET":
            return _as_seen(event, zone)
        if method == "PATCH":
            merged = {**event, **payload}
            for key in ("start", "end"):
                if key in payload:
                    merged[key] = graph_time(_parse(payload[key]))
            return self.put_event(calendar_id, merged)
        if method == "DELETE":
            self.delete(calendar_id, event_id)
            raise Reply(204, b"")
        raise _graph_error(405, "MethodNotAllowed", "no")

    def _schedule(self, payload, zone):
        low, high = _parse(payload["startTime"]), _parse(payload["endTime"])
        items = []
        for events in self.events.values():
            for event in events.values():
                if event.get("isCancelled") or event.get("showAs") == "free":
                    continue
                if _parse(event["start"]) < high and _parse(event["end"]) > low:
                    items.append(
                        {
                            "isPrivate": False,
                            "status": event.get("showAs", "busy"),
                            "start": local_time(_parse(event["start"]), zone),
                            "end": local_time(_parse(event["end"]), zone),
                        }
                    )
        return {
            "value": [
                {
                    "scheduleId": address,
                    "availabilityView": "2" if items else "0",
                    "scheduleItems": items,
                    "workingHours": {},
                }
                for address in payload.get("schedules", [])
            ]
        }
