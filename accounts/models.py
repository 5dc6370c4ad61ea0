"""Hosts: the people whose calendars guests book into.

A host is a Django user who logs in with an email address and owns a public handle
(the first part of their booking URLs) and an IANA timezone in which their hours are read.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.timezone import now

from availability.timezones import validate_timezone

# Paths that the site itself answers; a handle may not shadow them.
RESERVED_HANDLES = frozenset(
    {
        "admin",
        "api",
        "avatars",
        "favicon.ico",
        "accounts",
        "account",
        "booking",
        "bookings",
        "dashboard",
        "feeds",
        "feed",
        "static",
        "media",
        "login",
        "logout",
        "signup",
        "settings",
        "help",
        "about",
        "health",
        "www",
    }
)

handle_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38}[A-Za-z0-9])?$",
    "Use 1 to 40 letters, digits, hyphens or underscores, starting and ending with a letter "
    "or digit.",
)


def validate_handle_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_HANDLES:
        raise ValidationError(
            "%(value)s is reserved; choose another handle.", params={"value": value}
        )


def handle_is(handle: str, field: str = "handle") -> Exact:
    """A filter matching a handle without regard to case, through the unique `lower(handle)`
    index. (`handle__iexact` compares `UPPER(handle)`, which no index serves: every public page
    would read the whole user table.)"""
    return Exact(Lower(field), handle.lower())


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    # NULL until onboarding: many hosts may have no handle yet, and NULLs never collide.
    handle = models.CharField(  # noqa: DJ001
        max_length=40,
        null=True,
        blank=True,
        validators=[handle_validator, validate_handle_not_reserved],
        help_text="Public booking URL: /<handle>/. Unique, compared without case.",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    wants_reminders = models.BooleanField(
        "Send me reminders too",
        default=False,
        help_text="Also email the host the reminders guests get before each meeting.",
    )
    bio = models.TextField(
        "Short bio", blank=True, max_length=500, help_text="Shown to guests on your booking pages."
    )
    # A square JPEG in the default storage (accounts.avatars), served by accounts.views.avatar.
    avatar = models.CharField(max_length=200, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("handle"),
                name="user_handle_unique_ci",
                violation_error_message="That handle is taken.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def public_name(self) -> str:
        return self.display_name or self.handle or "Host"

    @property
    def initials(self) -> str:
        words = self.public_name.split()
        return "".join(word[0] for word in words[:2]).upper() or "?"


class ApiToken(models.Model):
    """A host's personal API token. Only its SHA-256 is stored; the token itself is shown once.

    Tokens are 256 random bits, so a fast hash is enough: there is nothing to guess."""

    host = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters, so a host can tell tokens apart without the secret.
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.host}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
