"""The client's IP address, trusting X-Forwarded-For only as far as our own proxies.

Each proxy appends the address it received the request from, so with N trusted proxies in front
of the app the client is the N-th entry from the right; everything to its left was written by the
client and can be spoofed. With TRUSTED_PROXY_COUNT=0 (the default) the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(forwarded) < trusted:
        # The request did not come through all our proxies: only the socket can be believed.
        return remote
    return _valid(forwarded[-trusted]) or remote
