"""Which address is the client's: the socket's, or X-Forwarded-For as far as trusted proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from security.client_ip import client_ip


@pytest.mark.parametrize(
    "trusted, remote, forwarded, expected",
    [
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # header ignored
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # spoofed left part
        (2, "10.0.0.3", "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "10.0.0.3", "203.0.113.7", "10.0.0.3"),  # did not pass both proxies
        (1, "10.0.0.2", "not-an-ip", "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_ipv6_clients_are_counted_per_64(settings):
    from security.ratelimits import by_ip

    factory = RequestFactory()
    one = by_ip(factory.get("/", REMOTE_ADDR="2001:db8:1:2::1"), {})
    two = by_ip(factory.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"), {})
    assert one == two == "2001:db8:1:2::"
