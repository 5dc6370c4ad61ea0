"""Personal API tokens: issue (the plain token is returned once), revoke, and authenticate.

A token reads `sb_` followed by 43 URL-safe characters (32 random bytes); the database keeps
its SHA-256 only, so a copy of the database cannot be used to call the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from accounts.models import ApiToken, User

TOKEN_PREFIX = "sb_"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(host: User, name: str) -> tuple[ApiToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        host=host,
        name=(name or "").strip()[:100] or "API token",
        prefix=raw[:10],
        token_hash=hash_token(raw),
    )
    return token, raw


def revoke_api_token(host: User, token_id: int) -> bool:
    """Revoke one of the host's tokens; False when it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(host=host, pk=token_id, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def host_for_token(raw: str) -> User | None:
    """The active host a live token belongs to, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("host")
        .filter(token_hash=hash_token(raw), revoked_at=None, host__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.host
