"""Every change calendar sync makes: connecting, choosing calendars, syncing busy time,
writing bookings as events, checking free/busy at booking time, ICS subscriptions, push.

Rules that hold throughout:
- Listing slots never calls a provider; busy time is copied into availability.BusyBlock.
- A provider call never runs while the host's booking lock is held. The live free/busy check
  runs before bookings.services takes it, and writes run in Celery after commit.
- A refresh happens under the connection's row lock, so two workers never both spend a
  (rotating) refresh token and lose the new one.
- Failures are recorded on the connection, subscription or written event, in plain words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from availability.models import BusyBlock, BusySource
from bookings.locations import LocationKind
from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, EventType
from calendars import crypto, ics
from calendars.models import (
    Calendar,
    Connection,
    ConnectionStatus,
    IcsSubscription,
    OAuthState,
    Provider,
    WriteStatus,
    WrittenEvent,
)
from calendars.providers import get_provider
from calendars.providers.base import (
    AccessTokenRejected,
    EventDetails,
    ProviderError,
    ReconnectNeeded,
    RemoteCalendar,
    SyncCursorExpired,
    TemporaryFailure,
    Tokens,
)

logger = logging.getLogger(__name__)

SYNC_EVERY = dt.timedelta(minutes=5)
FULL_SYNC_EVERY = dt.timedelta(days=1)
ICS_EVERY = dt.timedelta(minutes=15)
# A sync that has not finished after this long is assumed dead and may be claimed again.
SYNC_STALE_AFTER = dt.timedelta(minutes=10)
LIVE_CHECK_TIMEOUT = 2.0
REFRESH_MARGIN = dt.timedelta(minutes=2)
MAX_WRITE_ATTEMPTS = 8
DEFAULT_HORIZON_DAYS = 60


class ConnectError(Exception):
    """A consent round trip that connects nothing; the message is shown to the host."""


# --- small pure helpers -----------------------------------------------------------------------


def backoff_delay(attempt: int, retry_after: float | None = None, *, cap: float = 3600) -> float:
    """Exponential backoff with full jitter (30 s · 2^n), never sooner than Retry-After."""
    ceiling = min(cap, 30 * 2 ** max(0, attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0)


def subtract(interval, holes):
    """What is left of a half-open interval once the holes are cut out of it."""
    pieces = [interval]
    for hole_start, hole_end in holes:
        next_pieces = []
        for piece_start, piece_end in pieces:
            if hole_end <= piece_start or hole_start >= piece_end:
                next_pieces.append((piece_start, piece_end))
                continue
            if piece_start < hole_start:
                next_pieces.append((piece_start, hole_start))
            if hole_end < piece_end:
                next_pieces.append((hole_end, piece_end))
        pieces = next_pieces
    return pieces


def _block_id(prefix: str, key: str) -> str:
    # BusyBlock.external_id is 255 characters; Graph ids and ICS keys can be longer.
    if len(prefix) + len(key) > 250:
        key = hashlib.sha256(key.encode()).hexdigest()
    return prefix + key


def _session_hash(session_key: str) -> str:
    return hashlib.sha256(f"calendar-oauth:{session_key}".encode()).hexdigest()


def _tokens_of(connection: Connection) -> Tokens:
    return Tokens(connection.access_token, connection.refresh_token, connection.token_expires_at)


def callback_url(provider_name: str) -> str:
    return settings.BASE_URL + reverse(f"calendars-{provider_name}-callback")


def horizon_days(host) -> int:
    """The longest booking window among the host's active event types."""
    longest = (
        EventType.objects.for_host(host)
        .filter(is_active=True)
        .aggregate(days=Max("booking_window_days"))["days"]
    )
    return longest or DEFAULT_HORIZON_DAYS


# --- tokens -----------------------------------------------------------------------------------


def mark_needs_reconnect(connection: Connection, reason: str, now=None) -> None:
    """Stop using a connection until the host connects it again; tell them once."""
    now = now or timezone.now()
    with transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(
            status=ConnectionStatus.NEEDS_RECONNECT, last_error=reason[:300], last_error_at=now
        )
        first_time = (
            Connection.objects.filter(pk=connection.pk, reconnect_emailed_at__isnull=True).update(
                reconnect_emailed_at=now
            )
            == 1
        )
        if first_time:
            from calendars import tasks

            transaction.on_commit(lambda: tasks.send_reconnect_email.delay(connection.pk))
    connection.status = ConnectionStatus.NEEDS_RECONNECT
    logger.warning("calendar connection %s needs reconnect", connection.pk)


def send_reconnect_email(connection_id: int) -> None:
    connection = Connection.objects.select_related("host").get(pk=connection_id)
    page = settings.BASE_URL + reverse("calendars")
    send_mail(
        subject=f"Reconnect your {connection.get_provider_display()} to Slotbook",
        message=(
            f"Slotbook can no longer read {connection.account_email}: access was revoked or "
            f"has expired.\n\nBookings still work, but busy time from this calendar may be "
            f"out of date and new bookings are not added to it until you reconnect:\n{page}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[connection.host.email],
    )


def access_token(connection: Connection, *, force_refresh: bool = False) -> str:
    """A usable access token, refreshed under the connection's row lock when needed."""
    now = timezone.now()
    fresh = connection.token_expires_at is None or connection.token_expires_at > now + (
        REFRESH_MARGIN
    )
    if fresh and not force_refresh and connection.access_token:
        return connection.access_token
    seen = connection.access_token_sealed
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        if locked.status != ConnectionStatus.ACTIVE:
            raise ReconnectNeeded("This calendar needs to be reconnected.")
        # Another worker refreshed while we waited for the lock: use its token.
        if (
            locked.access_token_sealed != seen
            and locked.access_token
            and (locked.token_expires_at is None or locked.token_expires_at > now + REFRESH_MARGIN)
        ):
            connection.access_token_sealed = locked.access_token_sealed
            connection.refresh_token_sealed = locked.refresh_token_sealed
            connection.token_expires_at = locked.token_expires_at
            return locked.access_token
        refresh_token = locked.refresh_token
        if not refresh_token:
            raise ReconnectNeeded("No refresh token is stored for this calendar.")
        tokens = get_provider(locked.provider).refresh(refresh_token)
        locked.set_tokens(tokens.access_token, tokens.refresh_token, tokens.expires_at)
        locked.save(
            update_fields=["access_token_sealed", "refresh_token_sealed", "token_expires_at"]
        )
    connection.access_token_sealed = locked.access_token_sealed
    connection.refresh_token_sealed = locked.refresh_token_sealed
    connection.token_expires_at = locked.token_expires_at
    return tokens.access_token


def with_token(connection: Connection, action):
    """Run action(access_token); on a 401 refresh once and try again. invalid_grant marks
    the connection "needs reconnect" and is raised on."""
    try:
        try:
            return action(access_token(connection))
        except AccessTokenRejected:
            return action(access_token(connection, force_refresh=True))
    except ReconnectNeeded as error:
        mark_needs_reconnect(connection, error.message)
        raise
    except AccessTokenRejected as error:
        mark_needs_reconnect(connection, "The provider keeps refusing our access.")
        raise ReconnectNeeded(error.message) from error


# --- connecting -------------------------------------------------------------------------------


def start_connect(host, provider_name: str, session) -> str:
    """Record a fresh OAuth state bound to this session; return the consent page URL."""
    provider = get_provider(provider_name)
    if not provider.is_configured():
        raise ConnectError(f"{provider.label} is not available on this site.")
    if not session.session_key:
        session.save()
    state = secrets.token_urlsafe(32)
    url, saved = provider.start_consent(state=state, redirect_uri=callback_url(provider_name))
    OAuthState.objects.create(
        state=state,
        provider=provider_name,
        host=host,
        session_hash=_session_hash(session.session_key),
        code_verifier=saved.get("code_verifier") or "",
        flow=saved.get("flow") or {},
    )
    return url


def _claim_state(host, provider_name: str, state: str, session_key: str | None) -> OAuthState:
    now = timezone.now()
    if not state or not session_key:
        raise ConnectError("This sign-in link is not valid. Please start again.")
    found = OAuthState.objects.filter(state=state, provider=provider_name).first()
    if found is None or found.host_id != host.pk:
        raise ConnectError("This sign-in link is not valid. Please start again.")
    if not secrets.compare_digest(found.session_hash, _session_hash(session_key)):
        raise ConnectError("This sign-in was started in another browser session.")
    if found.is_expired(now):
        raise ConnectError("This sign-in took longer than 10 minutes. Please start again.")
    # Single use: only the first request to mark it used goes on.
    if OAuthState.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=now) != 1:
        raise ConnectError("This sign-in link was already used. Please start again.")
    return found


def finish_connect(host, provider_name: str, params: dict, session_key: str | None) -> Connection:
    """Check the state, exchange the code, store the account and its calendars, start a sync."""
    state = _claim_state(host, provider_name, params.get("state", ""), session_key)
    if params.get("error"):
        raise ConnectError(
            "Access was not granted, so nothing was connected."
            if params.get("error") == "access_denied"
            else "The provider reported a problem, so nothing was connected."
        )
    if not params.get("code"):
        raise ConnectError("The provider sent no authorisation code, so nothing was connected.")
    provider = get_provider(provider_name)
    saved = {"code_verifier": state.code_verifier, "flow": state.flow}
    try:
        account = provider.finish_consent(
            saved=saved, params=params, redirect_uri=callback_url(provider_name)
        )
        calendars = provider.list_calendars(account.tokens.access_token)
    except ProviderError as error:
        logger.warning("calendar connect failed provider=%s: %s", provider_name, error.message)
        raise ConnectError(f"{provider.label} could not be connected: {error.message}") from error
    if not account.tokens.refresh_token:
        raise ConnectError(f"{provider.label} did not grant offline access; please try again.")
    with transaction.atomic():
        connection, _ = Connection.objects.select_for_update().get_or_create(
            host=host, provider=provider_name, account_email=account.email.lower()
        )
        connection.set_tokens(
            account.tokens.access_token, account.tokens.refresh_token, account.tokens.expires_at
        )
        connection.status = ConnectionStatus.ACTIVE
        connection.reconnect_emailed_at = None
        connection.last_error = ""
        connection.next_sync_at = timezone.now()
        connection.save()
        _store_calendars(connection, calendars)
        transaction.on_commit(lambda: _queue_after_connect(connection.pk))
    logger.info("calendar connected provider=%s connection=%s", provider_name, connection.pk)
    return connection


def _store_calendars(connection: Connection, remote: list[RemoteCalendar]) -> None:
    known = {calendar.external_id: calendar for calendar in connection.calendars.all()}
    for item in remote:
        calendar = known.get(item.external_id) or Calendar(
            connection=connection,
            host_id=connection.host_id,
            external_id=item.external_id,
            counts_as_busy=item.is_primary,
        )
        calendar.name = item.name[:300]
        calendar.is_primary = item.is_primary
        calendar.can_write = item.can_write
        calendar.timezone = item.timezone[:64]
        calendar.save()
    has_target = Calendar.objects.filter(host_id=connection.host_id, receives_bookings=True)
    if not has_target.exists():
        primary = connection.calendars.filter(is_primary=True, can_write=True).first()
        if primary is not None:
            primary.receives_bookings = True
            primary.save(update_fields=["receives_bookings"])


def _queue_after_connect(connection_id: int) -> None:
    from calendars import tasks

    tasks.sync_connection.delay(connection_id)
    if settings.BASE_URL.startswith("https://"):
        tasks.start_push_channels.delay(connection_id)
    # Writes that failed while the account needed reconnecting get another go.
    waiting = WrittenEvent.objects.filter(
        booking__host__calendar_connections__pk=connection_id,
        status__in=[WriteStatus.FAILED, WriteStatus.PENDING],
        booking__end__gt=timezone.now(),
    ).values_list("booking_id", flat=True)
    for booking_id in waiting:
        tasks.write_booking_event.delay(booking_id)


def choose_calendars(connection: Connection, *, busy_ids: set[int], target_id: int | None):
    """Which of this connection's calendars count as busy, and (optionally) which calendar of
    the host receives bookings."""
    with transaction.atomic():
        for calendar in connection.calendars.all():
            wanted = calendar.pk in busy_ids
            if wanted == calendar.counts_as_busy:
                continue
            calendar.counts_as_busy = wanted
            calendar.sync_cursor = ""  # newly chosen: read fully; unchosen: nothing to read
            calendar.save(update_fields=["counts_as_busy", "sync_cursor"])
            if not wanted:
                _drop_blocks(connection.host_id, calendar.block_prefix)
        if target_id is not None:
            target = connection.calendars.filter(pk=target_id, can_write=True).first()
            if target is not None and not target.receives_bookings:
                Calendar.objects.filter(host_id=connection.host_id).update(receives_bookings=False)
                target.receives_bookings = True
                target.save(update_fields=["receives_bookings"])
        Connection.objects.filter(pk=connection.pk).update(next_sync_at=timezone.now())
    from calendars import tasks

    transaction.on_commit(lambda: tasks.sync_connection.delay(connection.pk))


def _drop_blocks(host_id: int, prefix: str) -> int:
    deleted, _ = (
        BusyBlock.objects.filter(host_id=host_id, external_id__startswith=prefix)
        .exclude(source=BusySource.MANUAL)
        .delete()
    )
    return deleted


def disconnect(connection: Connection) -> None:
    """Revoke at the provider when it can, drop the busy blocks and stop writing there."""
    provider = get_provider(connection.provider)
    tokens = _tokens_of(connection)
    for calendar in connection.calendars.exclude(push_id=""):
        try:
            provider.stop_push(tokens.access_token, calendar.push_id, calendar.push_resource_id)
        except ProviderError as error:
            logger.info("push stop failed calendar=%s: %s", calendar.pk, error.message)
    try:
        provider.revoke(tokens)
    except ProviderError as error:
        logger.warning("revoke failed connection=%s: %s", connection.pk, error.message)
    host_id = connection.host_id
    with transaction.atomic():
        for calendar in connection.calendars.all():
            _drop_blocks(host_id, calendar.block_prefix)
        had_target = connection.calendars.filter(receives_bookings=True).exists()
        connection.delete()
        if had_target:
            fallback = (
                Calendar.objects.filter(host_id=host_id, is_primary=True, can_write=True)
                .order_by("connection__created_at")
                .first()
            )
            if fallback is not None:
                fallback.receives_bookings = True
                fallback.save(update_fields=["receives_bookings"])
    logger.info("calendar disconnected connection=%s", connection.pk)


# --- reading busy time ------------------------------------------------------------------------


def request_sync(connection: Connection) -> None:
    """Sync soon (push notification, Sync now, a live check that found busy time)."""
    from calendars import tasks

    Connection.objects.filter(pk=connection.pk).update(next_sync_at=timezone.now())
    transaction.on_commit(lambda: tasks.sync_connection.delay(connection.pk))


def queue_due_syncs(now=None, *, limit: int = 500) -> int:
    """Claim due connections and subscriptions one at a time (SKIP LOCKED, so several beats or
    workers share them) and queue one task each."""
    from calendars import tasks

    queued = 0
    while queued < limit:
        connection_id = claim_due_connection(now)
        if connection_id is None:
            break
        tasks.sync_connection.delay(connection_id)
        queued += 1
    while queued < limit:
        subscription_id = claim_due_subscription(now)
        if subscription_id is None:
            break
        tasks.sync_subscription.delay(subscription_id)
        queued += 1
    return queued


def claim_due_connection(now=None) -> int | None:
    now = now or timezone.now()
    with transaction.atomic():
        connection = (
            Connection.objects.active()
            .filter(next_sync_at__lte=now)
            .order_by("next_sync_at")
            .select_for_update(skip_locked=True)
            .only("id")
            .first()
        )
        if connection is None:
            return None
        Connection.objects.filter(pk=connection.pk).update(next_sync_at=now + SYNC_EVERY)
    return connection.pk


def claim_due_subscription(now=None) -> int | None:
    now = now or timezone.now()
    with transaction.atomic():
        subscription = (
            IcsSubscription.objects.filter(next_sync_at__lte=now)
            .order_by("next_sync_at")
            .select_for_update(skip_locked=True)
            .only("id")
            .first()
        )
        if subscription is None:
            return None
        IcsSubscription.objects.filter(pk=subscription.pk).update(next_sync_at=now + ICS_EVERY)
    return subscription.pk


@dataclass
class SyncResult:
    ok: bool
    message: str
    busy_events: int = 0
    busy: bool = False  # another sync of the same connection is running


def sync_connection(connection_id: int, *, full: bool = False, now=None) -> SyncResult:
    """Read the chosen calendars' busy time into BusyBlock (incremental unless `full`)."""
    now = now or timezone.now()
    claimed = (
        Connection.objects.filter(pk=connection_id, status=ConnectionStatus.ACTIVE)
        .filter(Q(syncing_since__isnull=True) | Q(syncing_since__lt=now - SYNC_STALE_AFTER))
        .update(syncing_since=now)
    )
    if not claimed:
        return SyncResult(False, "Already syncing or needs reconnecting.", busy=True)
    connection = Connection.objects.select_related("host").get(pk=connection_id)
    try:
        days = horizon_days(connection.host) + 1
        window = (now - dt.timedelta(days=1), now + dt.timedelta(days=days))
        for calendar in connection.calendars.filter(counts_as_busy=True):
            _sync_calendar(connection, calendar, full=full, window=window)
    except ReconnectNeeded as error:
        Connection.objects.filter(pk=connection_id).update(syncing_since=None)
        return SyncResult(False, error.message)
    except TemporaryFailure as error:
        failures = connection.sync_failures + 1
        delay = backoff_delay(failures, error.retry_after, cap=1800)
        Connection.objects.filter(pk=connection_id).update(
            syncing_since=None,
            sync_failures=failures,
            next_sync_at=now + dt.timedelta(seconds=delay),
            last_error=error.message[:300],
            last_error_at=now,
        )
        logger.warning("calendar sync failed connection=%s: %s", connection_id, error.message)
        return SyncResult(False, error.message)
    except ProviderError as error:
        Connection.objects.filter(pk=connection_id).update(
            syncing_since=None, last_error=error.message[:300], last_error_at=now
        )
        logger.warning("calendar sync failed connection=%s: %s", connection_id, error.message)
        return SyncResult(False, error.message)
    except BaseException:
        Connection.objects.filter(pk=connection_id).update(syncing_since=None)
        raise
    count = busy_event_count(connection)
    Connection.objects.filter(pk=connection_id).update(
        syncing_since=None,
        sync_failures=0,
        last_synced_at=timezone.now(),
        last_error="",
        next_sync_at=now + SYNC_EVERY,
    )
    logger.info("calendar synced connection=%s busy_events=%s", connection_id, count)
    return SyncResult(True, f"Synced: {count} busy events.", count)


def busy_event_count(connection: Connection) -> int:
    query = Q()
    for calendar in connection.calendars.all():
        query |= Q(external_id__startswith=calendar.block_prefix)
    if not query:
        return 0
    return BusyBlock.objects.filter(query, host_id=connection.host_id).count()


def _sync_calendar(connection: Connection, calendar: Calendar, *, full: bool, window) -> None:
    provider = get_provider(connection.provider)
    remote = RemoteCalendar(
        calendar.external_id,
        calendar.name,
        calendar.is_primary,
        calendar.can_write,
        calendar.timezone,
    )
    host_zone = connection.host.timezone
    stale = calendar.full_synced_at is None or (
        calendar.full_synced_at < timezone.now() - FULL_SYNC_EVERY
    )
    cursor = "" if full or stale else calendar.sync_cursor

    def read(token, cursor=cursor):
        return provider.read_events(
            token, remote, cursor=cursor, window=window, host_zone=host_zone
        )

    try:
        page = with_token(connection, read)
    except SyncCursorExpired:
        page = with_token(connection, lambda token: read(token, cursor=""))
    ours = set(
        WrittenEvent.objects.filter(calendar__connection=connection).values_list(
            "external_id", flat=True
        )
    )
    prefix = calendar.block_prefix
    source = BusySource.GOOGLE if connection.provider == Provider.GOOGLE else BusySource.MICROSOFT
    blocks: dict[str, BusyBlock] = {}
    touched: set[str] = set()
    for event in page.events:
        external_id = _block_id(prefix, event.external_id)
        touched.add(external_id)
        if event.busy and not event.written_by_us and event.external_id not in ours:
            blocks[external_id] = BusyBlock(
                host_id=connection.host_id,
                start=event.start,
                end=event.end,
                source=source,
                external_id=external_id,
            )
    with transaction.atomic():
        if page.full:
            # Replaced in one transaction: slots never flicker open while a resync runs.
            _drop_blocks(connection.host_id, prefix)
        else:
            BusyBlock.objects.filter(
                host_id=connection.host_id, source=source, external_id__in=touched
            ).delete()
        BusyBlock.objects.bulk_create(blocks.values(), batch_size=500)
        calendar.sync_cursor = page.cursor
        if page.full:
            calendar.full_synced_at = timezone.now()
        calendar.save(update_fields=["sync_cursor", "full_synced_at"])


# --- at booking time --------------------------------------------------------------------------


def live_conflict(host, start: dt.datetime, end: dt.datetime, *, exclude_booking_id=None) -> bool:
    """Ask each connected calendar whether [start, end) is busy, within 2 seconds in all.

    True means a provider says busy (a sync is queued so the slot pages catch up). Slow or
    failing providers count as free: the failure is logged and the booking goes ahead."""
    connections = [
        connection
        for connection in Connection.objects.for_host(host).active().prefetch_related("calendars")
        if any(calendar.counts_as_busy for calendar in connection.calendars.all())
    ]
    if not connections:
        return False
    deadline = time.monotonic() + LIVE_CHECK_TIMEOUT
    pool = ThreadPoolExecutor(max_workers=len(connections), thread_name_prefix="freebusy")
    futures = {}
    for connection in connections:
        token = connection.access_token
        expired = connection.token_expires_at and connection.token_expires_at <= timezone.now()
        if not token or expired:
            # Refreshing could take the whole budget; the sync refreshes it instead.
            logger.info("live free/busy skipped connection=%s: token expired", connection.pk)
            request_sync(connection)
            continue
        calendar_ids = [c.external_id for c in connection.calendars.all() if c.counts_as_busy]
        provider = get_provider(connection.provider)
        futures[
            pool.submit(
                provider.busy_intervals,
                token,
                connection.account_email,
                calendar_ids,
                start,
                end,
                timeout=LIVE_CHECK_TIMEOUT,
            )
        ] = connection
    done, late = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
    pool.shutdown(wait=False, cancel_futures=True)
    for future in late:
        logger.warning("live free/busy timed out connection=%s", futures[future].pk)
    # Our own events for the host's bookings (seats being shared, the booking being moved)
    # are already known to the database; only busy time beyond them counts.
    ours = list(
        Booking.objects.for_host(host)
        .filter(status__in=ACTIVE_STATUSES, start__lt=end, end__gt=start)
        .values_list("start", "end")
    )
    busy_connections = []
    for future in done:
        connection = futures[future]
        try:
            intervals = future.result()
        except ProviderError as error:
            logger.warning("live free/busy failed connection=%s: %s", connection.pk, error.message)
            continue
        except Exception:
            logger.exception("live free/busy crashed connection=%s", connection.pk)
            continue
        if any(
            piece_start < end and piece_end > start
            for interval in intervals
            for piece_start, piece_end in subtract(interval, ours)
        ):
            busy_connections.append(connection)
    for connection in busy_connections:
        request_sync(connection)
    return bool(busy_connections)


# --- writing bookings -------------------------------------------------------------------------


def booking_changed(booking: Booking, *, created: bool = False) -> None:
    """Queue the calendar write for after commit, when the host has somewhere to write.
    `created`: the booking is new in this transaction, so no event of it was written yet."""
    has_target = Calendar.objects.filter(
        host_id=booking.host_id,
        receives_bookings=True,
        connection__status=ConnectionStatus.ACTIVE,
    ).exists()
    if not has_target and (
        created or not WrittenEvent.objects.filter(booking_id=booking.pk).exists()
    ):
        return
    if has_target and booking.is_active and _meeting_link_coming(booking):
        from notifications.services import hold_for_meeting_link

        hold_for_meeting_link(booking)
    from calendars import tasks

    booking_id = booking.pk
    transaction.on_commit(lambda: tasks.write_booking_event.delay(booking_id))


def wants_google_meet(booking: Booking) -> bool:
    """Whether the event should carry a Google Meet conference."""
    return booking.event_type.location_kind == LocationKind.GOOGLE_MEET


def google_meet_available(host) -> bool:
    """Whether bookings of this host can get a Google Meet link: Google makes it with the
    event written to the host's Google calendar for new bookings."""
    return Calendar.objects.filter(
        host=host,
        receives_bookings=True,
        connection__status=ConnectionStatus.ACTIVE,
        connection__provider=Provider.GOOGLE,
    ).exists()


def _meeting_link_coming(booking: Booking) -> bool:
    """A Google Meet booking whose link the queued write will create (none stored yet)."""
    if not wants_google_meet(booking) or not google_meet_available(booking.host_id):
        return False
    return not WrittenEvent.objects.filter(booking_id=booking.pk).exclude(meeting_url="").exists()


def _release_held_emails(booking: Booking, record: WrittenEvent) -> None:
    """The write is over, done or given up: a Meet booking's emails need not wait any more."""
    if wants_google_meet(booking):
        from notifications.services import release_for_meeting_link

        release_for_meeting_link(booking, record.meeting_url)


def event_details(booking: Booking, *, add_conference: bool = False) -> EventDetails:
    manage = settings.BASE_URL + reverse("dashboard-booking", args=[booking.uid])
    lines = [f"Guest: {booking.guest_name} <{booking.guest_email}>"]
    if booking.notes:
        lines.append(f"Notes: {booking.notes}")
    lines.append(f"Manage this booking: {manage}")
    return EventDetails(
        booking_uid=str(booking.uid),
        title=f"{booking.event_type.title} with {booking.guest_name}",
        description="\n\n".join(lines),
        start=booking.start,
        end=booking.end,
        location=booking.event_type.location,
        guest_name=booking.guest_name,
        guest_email=booking.guest_email,
        tentative=booking.status == BookingStatus.PENDING,
        add_conference=add_conference,
    )


def push_booking(booking_id: int, *, add_conference: bool | None = None) -> float | None:
    """Make the host's calendar match the booking. Returns seconds to wait before retrying,
    or None when done (or failed for good, recorded on the WrittenEvent)."""
    booking = Booking.objects.select_related("event_type", "host").filter(pk=booking_id).first()
    if booking is None:
        return None
    with transaction.atomic():
        record, _ = WrittenEvent.objects.get_or_create(booking=booking)
        # Serialises writes for one booking (a create and a quick reschedule).
        record = (
            WrittenEvent.objects.select_for_update(of=("self",))
            .select_related("calendar__connection")
            .get(pk=record.pk)
        )
        try:
            _push(booking, record, add_conference)
        except ReconnectNeeded as error:
            _record_failure(record, error.message, final=True)
            _release_held_emails(booking, record)
            return None
        except ProviderError as error:
            final = record.attempts + 1 >= MAX_WRITE_ATTEMPTS
            _record_failure(record, error.message, final=final)
            logger.warning("calendar write failed booking=%s: %s", booking.uid, error.message)
            if final:
                _release_held_emails(booking, record)
                return None
            return backoff_delay(record.attempts, error.retry_after)
        _release_held_emails(booking, record)
        return None


def _record_failure(record: WrittenEvent, message: str, *, final: bool) -> None:
    record.attempts += 1
    record.last_error = message[:300]
    record.status = WriteStatus.FAILED if final else WriteStatus.PENDING
    record.save(update_fields=["attempts", "last_error", "status", "updated_at"])


def _push(booking: Booking, record: WrittenEvent, add_conference: bool | None) -> bool:
    wanted = booking.status in ACTIVE_STATUSES
    current = record.calendar
    if not wanted:
        if record.external_id and current is not None:
            connection = current.connection
            if connection.status == ConnectionStatus.ACTIVE:
                provider = get_provider(connection.provider)
                with_token(
                    connection,
                    lambda token: provider.delete_event(
                        token, current.external_id, record.external_id
                    ),
                )
        record.status = WriteStatus.DELETED
        record.last_error = ""
        record.written_sequence = booking.sequence
        record.save(update_fields=["status", "last_error", "written_sequence", "updated_at"])
        return True
    if record.status == WriteStatus.WRITTEN and record.written_sequence == booking.sequence:
        return True  # already up to date (a duplicate task)
    if current is None or current.connection.status != ConnectionStatus.ACTIVE:
        current = (
            Calendar.objects.filter(
                host_id=booking.host_id,
                receives_bookings=True,
                connection__status=ConnectionStatus.ACTIVE,
            )
            .select_related("connection")
            .first()
        )
        if current is None:
            return True
        if record.calendar_id != current.pk:
            record.external_id = ""
    connection = current.connection
    provider = get_provider(connection.provider)
    if add_conference is None:
        add_conference = wants_google_meet(booking)
    details = event_details(
        booking, add_conference=add_conference and connection.provider == Provider.GOOGLE
    )
    written = with_token(
        connection,
        lambda token: provider.write_event(token, current.external_id, record.external_id, details),
    )
    record.calendar = current
    record.external_id = written.external_id
    record.meeting_url = written.meeting_url or record.meeting_url
    record.status = WriteStatus.WRITTEN
    record.written_sequence = booking.sequence
    record.attempts = 0
    record.last_error = ""
    record.save()
    return True


# --- ICS subscriptions ------------------------------------------------------------------------


def add_subscription(host, *, name: str, url: str) -> IcsSubscription:
    """Refuses (ics.IcsError) URLs that are not http(s) or point into private networks."""
    parts = ics.check_url(url)
    subscription = IcsSubscription.objects.create(
        host=host,
        name=name.strip()[:120] or parts.hostname,
        url_sealed=crypto.encrypt(parts.geturl()),
        url_host=parts.hostname[:255],
    )
    from calendars import tasks

    transaction.on_commit(lambda: tasks.sync_subscription.delay(subscription.pk))
    return subscription


def remove_subscription(subscription: IcsSubscription) -> None:
    with transaction.atomic():
        _drop_blocks(subscription.host_id, subscription.block_prefix)
        subscription.delete()


def sync_subscription(subscription_id: int, *, now=None) -> SyncResult:
    now = now or timezone.now()
    subscription = IcsSubscription.objects.select_related("host").filter(pk=subscription_id).first()
    if subscription is None:
        return SyncResult(False, "Gone.")
    days = horizon_days(subscription.host) + 1
    window = (now - dt.timedelta(days=1), now + dt.timedelta(days=days))
    try:
        fetched = ics.fetch(
            subscription.url, etag=subscription.etag, last_modified=subscription.last_modified
        )
        intervals = (
            ics.busy_intervals(fetched.body, window, subscription.host.timezone)
            if fetched.body is not None
            else None
        )
    except ics.IcsError as error:
        IcsSubscription.objects.filter(pk=subscription.pk).update(
            last_error=str(error)[:300], last_error_at=now, next_sync_at=now + ICS_EVERY
        )
        logger.warning("ics fetch failed subscription=%s: %s", subscription.pk, error)
        return SyncResult(False, str(error))
    prefix = subscription.block_prefix
    with transaction.atomic():
        if intervals is not None:
            _drop_blocks(subscription.host_id, prefix)
            blocks = {
                _block_id(prefix, key): BusyBlock(
                    host_id=subscription.host_id,
                    start=start,
                    end=end,
                    source=BusySource.ICS,
                    external_id=_block_id(prefix, key),
                )
                for key, start, end in intervals
            }
            BusyBlock.objects.bulk_create(blocks.values(), batch_size=500)
        IcsSubscription.objects.filter(pk=subscription.pk).update(
            etag=fetched.etag[:300],
            last_modified=fetched.last_modified[:100],
            last_synced_at=now,
            last_error="",
            next_sync_at=now + ICS_EVERY,
        )
    count = BusyBlock.objects.filter(
        host_id=subscription.host_id, external_id__startswith=prefix
    ).count()
    return SyncResult(True, f"Synced: {count} busy events.", count)


# --- push notifications -----------------------------------------------------------------------


def push_address(provider_name: str) -> str:
    return settings.BASE_URL + reverse(f"calendars-{provider_name}-notify")


def start_push_channels(connection_id: int, now=None) -> int:
    """Open (or renew) push channels for the busy calendars of a connection; https only."""
    now = now or timezone.now()
    if not settings.BASE_URL.startswith("https://"):
        return 0
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None or connection.status != ConnectionStatus.ACTIVE:
        return 0
    provider = get_provider(connection.provider)
    opened = 0
    for calendar in connection.calendars.filter(counts_as_busy=True):
        if (
            calendar.push_id
            and calendar.push_expires_at
            and (calendar.push_expires_at > now + dt.timedelta(days=1))
        ):
            continue
        secret = secrets.token_urlsafe(24)
        try:
            if calendar.push_id:
                old_id, old_resource = calendar.push_id, calendar.push_resource_id
                with_token(
                    connection,
                    lambda token, old_id=old_id, old_resource=old_resource: provider.stop_push(
                        token, old_id, old_resource
                    ),
                )
            push_id, resource_id, expires = with_token(
                connection,
                lambda token, calendar=calendar, secret=secret: provider.start_push(
                    token,
                    calendar.external_id,
                    address=push_address(connection.provider),
                    secret=secret,
                ),
            )
        except ProviderError as error:
            logger.warning("push channel failed calendar=%s: %s", calendar.pk, error.message)
            continue
        calendar.push_id = push_id
        calendar.push_resource_id = resource_id
        calendar.push_secret = secret
        calendar.push_expires_at = expires
        calendar.save(
            update_fields=["push_id", "push_resource_id", "push_secret", "push_expires_at"]
        )
        opened += 1
    return opened


def renew_push_channels(now=None) -> int:
    now = now or timezone.now()
    soon = now + dt.timedelta(days=1)
    connection_ids = (
        Calendar.objects.filter(counts_as_busy=True, connection__status=ConnectionStatus.ACTIVE)
        .filter(Q(push_expires_at__isnull=True) | Q(push_expires_at__lt=soon))
        .values_list("connection_id", flat=True)
        .distinct()
    )
    return sum(start_push_channels(connection_id, now) for connection_id in connection_ids)


def notified(provider_name: str, push_id: str, secret: str) -> bool:
    """A push notification arrived: check its secret and queue a sync. False if unknown."""
    calendar = (
        Calendar.objects.filter(connection__provider=provider_name, push_id=push_id)
        .exclude(push_id="")
        .select_related("connection")
        .first()
    )
    if calendar is None or not secrets.compare_digest(
        calendar.push_secret.encode(), (secret or "").encode()
    ):
        return False
    if calendar.connection.status == ConnectionStatus.ACTIVE:
        request_sync(calendar.connection)
    return True
