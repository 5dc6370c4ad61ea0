"""Connected calendar accounts, the calendars chosen in them, ICS subscriptions, OAuth states
and the provider events written for bookings.

Tokens are stored encrypted (calendars.crypto) and only the services read them. Busy time read
from a calendar lives in availability.BusyBlock with an external id that starts with the
calendar's key (`g12:` / `ics3:`), so one calendar's blocks can be replaced or dropped together.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendars import crypto

OAUTH_STATE_LIFETIME = dt.timedelta(minutes=10)


class Provider(models.TextChoices):
    GOOGLE = "google", "Google Calendar"
    MICROSOFT = "microsoft", "Microsoft Outlook"


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"


class ConnectionQuerySet(models.QuerySet):
    def for_host(self, host):
        return self.filter(host=host)

    def active(self):
        return self.filter(status=ConnectionStatus.ACTIVE)


class Connection(models.Model):
    """One Google or Microsoft account a host connected."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_connections"
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    account_email = models.CharField(max_length=320)
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    access_token_sealed = models.TextField(blank=True)
    refresh_token_sealed = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # Sync bookkeeping: the beat claims connections whose next_sync_at has come.
    next_sync_at = models.DateTimeField(default=timezone.now)
    syncing_since = models.DateTimeField(null=True, blank=True)
    sync_failures = models.PositiveIntegerField(default=0)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    reconnect_emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "provider", "account_email"], name="connection_unique_account"
            ),
        ]
        indexes = [
            # sync_due_calendars: active connections whose next sync has come, oldest first.
            models.Index(fields=["status", "next_sync_at"], name="connection_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.account_email}"

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_sealed)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_sealed)

    def set_tokens(self, access: str, refresh: str | None, expires_at: dt.datetime | None):
        self.access_token_sealed = crypto.encrypt(access)
        if refresh:  # a refresh answer may omit it: the old one stays valid
            self.refresh_token_sealed = crypto.encrypt(refresh)
        self.token_expires_at = expires_at

    @property
    def needs_reconnect(self) -> bool:
        return self.status == ConnectionStatus.NEEDS_RECONNECT

    @property
    def block_prefix(self) -> str:
        return "g" if self.provider == Provider.GOOGLE else "m"


class Calendar(models.Model):
    """A calendar inside a connected account; it may count as busy and may receive bookings."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="calendars")
    # Copied from the connection so "one write calendar per host" is a database rule.
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=500)
    name = models.CharField(max_length=300)
    timezone = models.CharField(max_length=64, blank=True)
    is_primary = models.BooleanField(default=False)
    can_write = models.BooleanField(default=False)
    counts_as_busy = models.BooleanField(default=False)
    receives_bookings = models.BooleanField(default=False)
    # Google nextSyncToken or Graph deltaLink; empty means the next sync is a full one.
    sync_cursor = models.TextField(blank=True)
    # Incremental syncs keep the time window of the full sync that started them, so a full
    # sync runs daily to move the window forward (new recurring instances, longer windows).
    full_synced_at = models.DateTimeField(null=True, blank=True)
    # Push: Google channel / Graph subscription.
    push_id = models.CharField(max_length=200, blank=True)
    push_resource_id = models.CharField(max_length=200, blank=True)
    push_secret = models.CharField(max_length=100, blank=True)
    push_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="calendar_unique_per_connection"
            ),
            models.UniqueConstraint(
                fields=["host"], condition=Q(receives_bookings=True), name="calendar_one_target"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def block_prefix(self) -> str:
        return f"{self.connection.block_prefix}{self.pk}:"


class IcsSubscription(models.Model):
    """A published calendar (iCloud, Fastmail, Proton...) fetched by URL every 15 minutes."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ics_subscriptions"
    )
    name = models.CharField(max_length=120)
    # The URL usually embeds a secret, so it is sealed like a token; the host part is shown.
    url_sealed = models.TextField()
    url_host = models.CharField(max_length=255)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_sync_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # sync_due_subscriptions: subscriptions whose next fetch has come.
            models.Index(fields=["next_sync_at"], name="ics_due"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.url_host})"

    @property
    def url(self) -> str:
        return crypto.decrypt(self.url_sealed)

    @property
    def block_prefix(self) -> str:
        return f"ics{self.pk}:"


class OAuthState(models.Model):
    """One consent round trip: random, bound to the host's session, single use, 10 minutes."""

    state = models.CharField(max_length=100, unique=True)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_hash = models.CharField(max_length=64)
    code_verifier = models.CharField(max_length=200, blank=True)
    # msal keeps its own PKCE verifier and nonce in the "flow" it starts.
    flow = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} state for {self.host_id}"

    def is_expired(self, now: dt.datetime) -> bool:
        return now - self.created_at > OAUTH_STATE_LIFETIME


class WriteStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    WRITTEN = "written", "In the calendar"
    DELETED = "deleted", "Removed from the calendar"
    FAILED = "failed", "Failed"


class WrittenEvent(models.Model):
    """The provider event that mirrors one booking in the host's calendar."""

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.CASCADE, related_name="calendar_event"
    )
    calendar = models.ForeignKey(
        Calendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="written_events"
    )
    external_id = models.CharField(max_length=500, blank=True)
    meeting_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=WriteStatus.choices, default=WriteStatus.PENDING
    )
    written_sequence = models.IntegerField(default=-1)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Sync: ids of the events we wrote in one calendar, skipped as busy time.
            models.Index(fields=["calendar", "external_id"], name="writtenevent_calendar_ext"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} → {self.external_id or '(not written)'}"
