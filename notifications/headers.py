"""What goes into an email's headers: a stable Message-ID per delivery, and text made safe.

The Message-ID is derived from the delivery key, so every copy of one email (a resend after a
worker died between the server's "accepted" and our "sent") is the same message to the mail
servers and clients that drop duplicates. Header text (subjects carry guest and host names)
loses control characters and bidirectional overrides, which would otherwise break the header
(Django refuses CR/LF with BadHeaderError) or disguise it.
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings

from bookings.validators import BIDI_CONTROLS, is_unsafe_character
from notifications.backends import IDEMPOTENCY_HEADER


def header_safe(text: str) -> str:
    """One line of header text: bidi overrides dropped, control characters (line breaks among
    them) become spaces, runs of spaces one."""
    cleaned = "".join(
        "" if char in BIDI_CONTROLS else " " if is_unsafe_character(char) else char for char in text
    )
    return " ".join(cleaned.split())


def message_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2]
    return domain or urlsplit(settings.BASE_URL).hostname or "localhost"


def message_id_for(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.slotbook@{message_domain()}>"


def delivery_headers(key: str) -> dict[str, str]:
    return {IDEMPOTENCY_HEADER: key, "Message-ID": message_id_for(key)}
