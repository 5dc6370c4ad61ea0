"""OAuth tokens at rest: MultiFernet over CALENDAR_TOKEN_KEYS (newest key first).

Encryption always uses the first key; decryption tries every key, so a new key can be put in
front, `manage.py reencrypt_calendar_tokens` run, and the old key dropped afterwards.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CALENDAR_TOKEN_KEYS))


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return fernet().encrypt(plain.encode()).decode()


def decrypt(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        # A key was dropped before re-encrypting: the token is gone, the host reconnects.
        return ""


def rotate(sealed: str) -> str:
    """The same secret sealed with the newest key."""
    if not sealed:
        return ""
    return fernet().rotate(sealed.encode()).decode()
