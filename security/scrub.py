"""Removing personal data and secrets from text that leaves the process (logs, Sentry).

Shared by the log filter and the Sentry hooks so both forget the same things: email addresses
are masked (ali***@example.com), secrets in URLs (guest-link tokens, feed tokens, activation and
reset tokens, OAuth codes) and provider secrets (Stripe keys, bearer tokens) are cut. Names and
notes cannot be recognised in free text; they are kept out by never logging them and by
dropping fields with those names (SENSITIVE_KEYS) wherever data is structured.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

# Field names whose values are never sent anywhere, whatever they hold.
SENSITIVE_KEYS = frozenset(
    {
        "name",
        "guest_name",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "guest_email",
        "username",
        "notes",
        "reason",
        "message",
        "token",
        "reschedule_token",
        "cancel_token",
        "code",
        "state",
        "password",
        "password1",
        "password2",
        "new_password1",
        "new_password2",
        "old_password",
        "secret",
        "api_key",
        "authorization",
        "cookie",
        "set-cookie",
        "x-csrftoken",
        "csrfmiddlewaretoken",
        "sessionid",
        "csrftoken",
        "h-captcha-response",
        "refresh_token",
        "access_token",
        "client_secret",
        "stripe_signature",
        "stripe-signature",
    }
)

_EMAIL = re.compile(r"([A-Za-z0-9._%+-]{1,3})[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Query parameters that carry secrets: token=..., code=..., state=..., key=...
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:[a-z_]*token|code|state|secret|key|signature|sig|password|session_state)"
    r"=)[^&\s#\"']+"
)
_SECRET_PATHS = (
    re.compile(r"(/feeds/)[^/\s?#\"']+(\.ics)"),
    re.compile(r"(/accounts/activate/[^/\s?#]+/)[^/\s?#\"']+"),
    re.compile(r"(/accounts/password-reset/[^/\s?#]+/)(?!done\b|sent\b)[^/\s?#\"']+"),
    re.compile(r"(/reset/[^/\s?#]+/)[^/\s?#\"']+"),
)
_PROVIDER_SECRETS = re.compile(
    r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9]{6,}"
    r"|\bre_[A-Za-z0-9_]{16,}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
)
# Django signing tokens: base64 payload, timestamp and signature joined by colons.
_SIGNED_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{10,}:[A-Za-z0-9_-]{4,}:[A-Za-z0-9_-]{20,}\b")


def mask_email(match: re.Match) -> str:
    return f"{match.group(1)}***@{match.group(2)}"


def scrub_text(text: str) -> str:
    if not text:
        return text
    text = _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    for pattern in _SECRET_PATHS:
        text = pattern.sub(
            lambda m: m.group(1) + REDACTED + (m.group(2) if m.lastindex >= 2 else ""), text
        )
    text = _PROVIDER_SECRETS.sub(REDACTED, text)
    text = _SIGNED_TOKEN.sub(REDACTED, text)
    return _EMAIL.sub(mask_email, text)


def scrub_data(value, depth: int = 0):
    """Scrub every string in a JSON-like structure and drop values under sensitive keys."""
    if depth > 20:
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: (
                REDACTED
                if isinstance(key, str) and key.lower() in SENSITIVE_KEYS and value[key]
                else scrub_data(value[key], depth + 1)
            )
            for key in value
        }
    if isinstance(value, list | tuple):
        return [scrub_data(item, depth + 1) for item in value]
    return value
