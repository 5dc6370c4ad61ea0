"""Microsoft 365 / Outlook through msal (consent with PKCE, refresh) and Microsoft Graph.

Scope: Calendars.ReadWrite (Graph has no narrower scope that can both read busy time and write
one event); msal adds offline_access so a refresh token is issued. Microsoft rotates refresh
tokens, which is why refreshing is serialised per connection (calendars.services).

Graph has no switch to stop it emailing attendees, so the guest is named in the event's body
instead of being added as an attendee: our own email already invited them.
"""

from __future__ import annotations

import datetime as dt

import msal
import requests
from django.conf import settings

from calendars.providers.base import (
    REQUEST_TIMEOUT,
    AccessTokenRejected,
    Account,
    BusyEvent,
    Conflict,
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

SCOPES = ["Calendars.ReadWrite"]
TRANSACTION_PREFIX = "slotbook-"
NOT_BUSY = {"free", "workingElsewhere"}
PUSH_LIFETIME = dt.timedelta(days=2)
# Times in answers come in UTC; Graph leaves all-day events on their own dates and zone.
PREFER_UTC = 'outlook.timezone="UTC"'


def _app() -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        settings.MICROSOFT_CLIENT_ID,
        client_credential=settings.MICROSOFT_CLIENT_SECRET,
        authority=f"{settings.MICROSOFT_AUTHORITY_URL}/{settings.MICROSOFT_TENANT}",
        # Tenant metadata is read from the authority itself, so an emulator can stand in.
        instance_discovery=False,
        timeout=REQUEST_TIMEOUT,
    )


def _tokens(result: dict) -> Tokens:
    if "access_token" not in result:
        error = result.get("error", "")
        if error in ("invalid_grant", "interaction_required", "consent_required"):
            raise ReconnectNeeded("Microsoft access was revoked or expired.")
        if error in ("temporarily_unavailable", "server_error"):
            raise TemporaryFailure("Microsoft could not issue a token just now.")
        raise ProviderError(f"Microsoft refused the sign-in ({error or 'no token'}).")
    expires_in = result.get("expires_in")
    return Tokens(
        access_token=result["access_token"],
        refresh_token=result.get("refresh_token"),
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(expires_in))
        if expires_in
        else None,
    )


def _graph_time(value: dict, fallback_zone: str = "UTC") -> dt.datetime:
    """Graph's {"dateTime": "2026-03-02T14:00:00.0000000", "timeZone": "UTC"}.

    Every request asks for UTC (PREFER_UTC), which Graph honours for timed events; a zone
    name that still comes back, Windows ("W. Europe Standard Time") or IANA, is read as such."""
    text = value["dateTime"]
    if "." in text:
        head, fraction = text.split(".", 1)
        text = f"{head}.{fraction[:6]}"
    naive = dt.datetime.fromisoformat(text).replace(tzinfo=None)
    return naive.replace(tzinfo=zone_or(value.get("timeZone"), fallback_zone)).astimezone(dt.UTC)


def _graph_value(moment: dt.datetime) -> dict:
    return {"dateTime": moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


class MicrosoftProvider:
    name = "microsoft"
    label = "Microsoft Outlook"

    def is_configured(self) -> bool:
        return bool(settings.MICROSOFT_CLIENT_ID)

    # --- consent and tokens -----------------------------------------------------------------

    def start_consent(self, *, state: str, redirect_uri: str) -> tuple[str, dict]:
        try:
            flow = _app().initiate_auth_code_flow(
                SCOPES, redirect_uri=redirect_uri, state=state, prompt="select_account"
            )
        except (requests.RequestException, ValueError) as error:
            raise TemporaryFailure("Microsoft's sign-in could not be reached.") from error
        return flow["auth_uri"], {"flow": flow}

    def finish_consent(self, *, saved: dict, params: dict, redirect_uri: str) -> Account:
        try:
            result = _app().acquire_token_by_auth_code_flow(saved.get("flow") or {}, params)
        except ValueError as error:  # msal refuses a state or flow that does not match
            raise ProviderError("Microsoft's answer did not match this sign-in.") from error
        except requests.RequestException as error:
            raise TemporaryFailure("Microsoft could not be reached.") from error
        tokens = _tokens(result)
        claims = result.get("id_token_claims") or {}
        email = claims.get("preferred_username") or claims.get("email")
        if not email:
            me = self._request("GET", "/me", tokens.access_token)
            email = me.get("mail") or me.get("userPrincipalName")
        if not email:
            raise ProviderError("Microsoft did not tell which account this is.")
        return Account(email=email, tokens=tokens)

    def refresh(self, refresh_token: str) -> Tokens:
        try:
            result = _app().acquire_token_by_refresh_token(refresh_token, scopes=SCOPES)
        except (requests.RequestException, ValueError) as error:
            raise TemporaryFailure("Microsoft could not be reached.") from error
        return _tokens(result)

    def revoke(self, tokens: Tokens) -> None:
        """Graph can only sign the user out everywhere, which is not ours to do; the tokens
        are deleted here and the host can remove the app at myapps.microsoft.com."""

    # --- Graph --------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path_or_url: str,
        access_token: str,
        *,
        json: dict | None = None,
        params: dict | None = None,
        timeout: float = REQUEST_TIMEOUT,
        prefer: str = PREFER_UTC,
    ) -> dict:
        url = (
            path_or_url
            if path_or_url.startswith("http")
            else f"{settings.MICROSOFT_GRAPH_URL}{path_or_url}"
        )
        try:
            response = requests.request(
                method,
                url,
                json=json,
                params=params,
                timeout=timeout,
                headers={"Authorization": f"Bearer {access_token}", "Prefer": prefer},
            )
        except requests.RequestException as error:
            raise TemporaryFailure("Microsoft did not answer in time.") from error
        status = response.status_code
        if status < 300:
            return response.json() if response.content else {}
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        try:
            message = response.json().get("error", {}).get("message", "")
        except ValueError:
            message = ""
        if status == 401:
            raise AccessTokenRejected("Microsoft refused the access token.")
        if status == 410:
            raise SyncCursorExpired("Microsoft asked for a full resync.")
        if status == 404:
            raise NotFound(message or "not found")
        if status == 409:
            raise Conflict(message or "conflict")
        if status == 429 or status >= 500:
            raise TemporaryFailure(
                f"Microsoft is busy or having trouble ({status}).", retry_after=retry_after
            )
        raise ProviderError(f"Microsoft refused the request ({status}): {message}"[:280])

    def list_calendars(self, access_token: str) -> list[RemoteCalendar]:
        calendars = []
        url = "/me/calendars"
        while url:
            page = self._request("GET", url, access_token)
            for item in page.get("value", []):
                calendars.append(
                    RemoteCalendar(
                        external_id=item["id"],
                        name=item.get("name") or "Calendar",
                        is_primary=bool(item.get("isDefaultCalendar")),
                        can_write=bool(item.get("canEdit")),
                    )
                )
            url = page.get("@odata.nextLink")
        return calendars

    def read_events(self, access_token, calendar, *, cursor, window, host_zone) -> SyncPage:
        result = SyncPage(full=not cursor)
        if cursor:
            url, params = cursor, None
        else:
            url = f"/me/calendars/{calendar.external_id}/calendarView/delta"
            params = {
                "startDateTime": window[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endDateTime": window[1].strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        while True:
            page = self._request(
                "GET",
                url,
                access_token,
                params=params,
                prefer=f"{PREFER_UTC}, odata.maxpagesize=100",
            )
            params = None  # next and delta links carry their own query
            result.events.extend(self._busy_event(item, host_zone) for item in page["value"])
            if page.get("@odata.nextLink"):
                url = page["@odata.nextLink"]
                continue
            result.cursor = page.get("@odata.deltaLink", "")
            return result

    @staticmethod
    def _busy_event(item: dict, host_zone: str) -> BusyEvent:
        event_id = item["id"]
        if "@removed" in item:
            return BusyEvent(event_id)
        if (item.get("transactionId") or "").startswith(TRANSACTION_PREFIX):
            return BusyEvent(event_id, written_by_us=True)
        if item.get("isCancelled") or item.get("showAs") in NOT_BUSY:
            return BusyEvent(event_id)
        if (item.get("responseStatus") or {}).get("response") == "declined":
            return BusyEvent(event_id)
        if item.get("isAllDay"):
            # Graph does not convert all-day events to the preferred zone: their dates are
            # midnight to midnight where the event was made, named by originalStartTimeZone
            # (often a Windows name), else by start.timeZone unless that is just our UTC.
            given = item["start"].get("timeZone")
            zone = zone_or(
                item.get("originalStartTimeZone") or (given if given != "UTC" else None),
                host_zone,
            )
            first = dt.date.fromisoformat(item["start"]["dateTime"][:10])
            last = dt.date.fromisoformat(item["end"]["dateTime"][:10])
            begin, finish = all_day_span(first, max(last, first + dt.timedelta(days=1)), zone)
        else:
            begin = _graph_time(item["start"], host_zone)
            finish = _graph_time(item["end"], host_zone)
        if finish <= begin:
            return BusyEvent(event_id)
        return BusyEvent(event_id, start=begin, end=finish, busy=True)

    def busy_intervals(self, access_token, account_email, calendar_ids, start, end, *, timeout):
        answer = self._request(
            "POST",
            "/me/calendar/getSchedule",
            access_token,
            timeout=timeout,
            json={
                "schedules": [account_email],
                "startTime": _graph_value(start),
                "endTime": _graph_value(end),
                "availabilityViewInterval": 5,
            },
        )
        intervals = []
        for schedule in answer.get("value", []):
            if schedule.get("error"):
                raise TemporaryFailure("Microsoft could not tell free/busy.")
            for item in schedule.get("scheduleItems", []):
                if item.get("status") in NOT_BUSY:
                    continue
                intervals.append((_graph_time(item["start"]), _graph_time(item["end"])))
        return intervals

    def write_event(self, access_token, calendar_id, event_id, details) -> WrittenRemote:
        body = {
            "subject": details.title,
            "body": {"contentType": "text", "content": details.description},
            "start": _graph_value(details.start),
            "end": _graph_value(details.end),
            "location": {"displayName": details.location},
            "showAs": "tentative" if details.tentative else "busy",
        }
        if event_id:
            try:
                event = self._request("PATCH", f"/me/events/{event_id}", access_token, json=body)
                return WrittenRemote(external_id=event.get("id", event_id))
            except NotFound:
                pass  # the host deleted it in Outlook: write it again
        # transactionId makes a retried create return the first one instead of a duplicate.
        body["transactionId"] = f"{TRANSACTION_PREFIX}{details.booking_uid}"
        event = self._request(
            "POST", f"/me/calendars/{calendar_id}/events", access_token, json=body
        )
        return WrittenRemote(external_id=event["id"])

    def delete_event(self, access_token, calendar_id, event_id) -> None:
        try:
            self._request("DELETE", f"/me/events/{event_id}", access_token)
        except NotFound:
            return

    def start_push(self, access_token, calendar_id, *, address, secret):
        subscription = self._request(
            "POST",
            "/subscriptions",
            access_token,
            json={
                "changeType": "created,updated,deleted",
                "notificationUrl": address,
                "resource": f"me/calendars/{calendar_id}/events",
                "expirationDateTime": (dt.datetime.now(dt.UTC) + PUSH_LIFETIME).isoformat(),
                "clientState": secret,
            },
        )
        expires = dt.datetime.fromisoformat(
            subscription["expirationDateTime"].replace("Z", "+00:00")
        )
        return subscription["id"], "", expires

    def stop_push(self, access_token, push_id, resource_id) -> None:
        try:
            self._request("DELETE", f"/subscriptions/{push_id}", access_token)
        except NotFound:
            return
