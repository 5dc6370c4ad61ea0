"""Rate limits on every public entry point, built on django-ratelimit.

Each limit is a named Rule: what it counts by (client IP, guest email, booking, account) and for
which methods. Its rate ("30/h", "10/15m") comes from settings.RATELIMITS, filled from the
environment, so operators tune them without a deploy; RATELIMIT_ENABLE=false turns all off.
Counters live in the "ratelimit" cache (Redis with an in-memory fallback, see security.cache).

Views take limits with one line:

    @rate_limit("booking-per-ip", "booking-per-email")
    def book(request, ...): ...

A refusal is counted per day and endpoint (security.refusals) and answered 429 with Retry-After:
the JSON error shape under /api/, a friendly page elsewhere.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import (
    EXPIRATION_FUDGE,
    _get_window,
    _make_cache_key,
    _split_rate,
    get_usage,
)

from security.cache import FallbackRedisCache
from security.client_ip import client_ip
from security.refusals import record_refusal

KeyFunction = Callable[[HttpRequest, dict], "str | None"]


def by_ip(request: HttpRequest, view_kwargs: dict) -> str:
    address = client_ip(request)
    if ":" in address:
        # One IPv6 client usually holds a whole /64; counting single addresses would let it
        # rotate through them.
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return address


def _posted_field(request: HttpRequest, name: str) -> str | None:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RequestDataTooBig, RecursionError):
            return None  # the view answers the bad body with a 400
        value = body.get(name) if isinstance(body, dict) else None
    else:
        value = request.POST.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()[:254]


def by_email(request: HttpRequest, view_kwargs: dict) -> str | None:
    return _posted_field(request, "email")


def by_account(request: HttpRequest, view_kwargs: dict) -> str | None:
    return _posted_field(request, "username")


def by_booking(request: HttpRequest, view_kwargs: dict) -> str | None:
    uid = view_kwargs.get("uid")
    return str(uid) if uid else None


@dataclass(frozen=True)
class Rule:
    name: str
    key: KeyFunction
    methods: tuple[str, ...] = ("POST",)
    # Count only attempts whose response says they failed (a log-in that did not redirect),
    # so a stranger cannot lock a real person out of their own account with junk attempts
    # from elsewhere as easily; the per-IP limit still counts every attempt.
    counts_failures_only: bool = False

    def failed(self, response: HttpResponse) -> bool:
        return response.status_code not in (301, 302, 303)


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("booking-per-ip", by_ip),
        Rule("booking-per-email", by_email),
        Rule("slots-per-ip", by_ip, methods=("GET", "HEAD")),
        Rule("guest-change-per-booking", by_booking),
        Rule("signup-per-ip", by_ip),
        Rule("signup-per-email", by_email),
        Rule("login-per-ip", by_ip),
        Rule("login-failures-per-account", by_account, counts_failures_only=True),
        Rule("password-reset-per-ip", by_ip),
        Rule("password-reset-per-email", by_email),
        Rule("public-post-per-ip", by_ip),
        Rule("pages-per-ip", by_ip, methods=("GET", "HEAD")),
        Rule("assistant-per-ip", by_ip),
        Rule("captcha-outage-per-ip", by_ip),
    )
}


def _rate(group: str, request: HttpRequest) -> str:
    return settings.RATELIMITS[group]


def _usage(request: HttpRequest, rule: Rule, value: str, *, increment: bool) -> dict | None:
    """django-ratelimit's usage (same windows, keys and answer), counted in one round trip.

    Its `get_usage` makes three Redis calls per check (add, then exists and incr); our cache
    does the same count in one. Another cache backend goes through `get_usage` unchanged.
    """
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if isinstance(cache, FallbackRedisCache):
        if not getattr(settings, "RATELIMIT_ENABLE", True):
            return None
        rate = _rate(rule.name, request)
        limit, period = _split_rate(rate)
        window = _get_window(value, period)
        key = _make_cache_key(rule.name, window, rate, value, get_usage.ALL)
        count = cache.count(key, 1 if increment else 0, period + EXPIRATION_FUDGE)
        return {
            "count": count,
            "limit": limit,
            "should_limit": count > limit,
            "time_left": window - int(time.time()),
        }
    return get_usage(
        request,
        group=rule.name,
        key=lambda group, request: value,
        rate=_rate,
        method=get_usage.ALL,
        increment=increment,
    )


def endpoint_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match and match.view_name else "unknown"


def refused(request: HttpRequest, rule_name: str, retry_after: int) -> HttpResponse:
    """The 429 answer, counted for staff."""
    retry_after = max(1, int(retry_after))
    record_refusal(endpoint_name(request), rule_name)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "error": f"Too many requests. Try again in {retry_after} seconds.",
                "code": "RATE_LIMITED",
                "details": {"retry_after": retry_after},
            },
            status=429,
        )
    else:
        response = render(
            request,
            "security/429.html",
            {"retry_minutes": math.ceil(retry_after / 60)},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def check(request: HttpRequest, names: Sequence[str], view_kwargs: dict | None = None):
    """Count this request against the named limits; a 429 response if one is exhausted."""
    view_kwargs = view_kwargs or {}
    worst: tuple[str, int] | None = None
    for name in names:
        rule = RULES[name]
        if request.method not in rule.methods:
            continue
        value = rule.key(request, view_kwargs)
        if value is None:
            continue
        usage = _usage(request, rule, value, increment=not rule.counts_failures_only)
        if usage is None:  # limits are switched off
            return None
        exhausted = (
            usage["count"] >= usage["limit"] if rule.counts_failures_only else usage["should_limit"]
        )
        if exhausted and (worst is None or usage["time_left"] > worst[1]):
            worst = (name, usage["time_left"])
    if worst:
        return refused(request, *worst)
    return None


def _count_failures(request, names, view_kwargs, response) -> None:
    for name in names:
        rule = RULES[name]
        if not rule.counts_failures_only or request.method not in rule.methods:
            continue
        value = rule.key(request, view_kwargs)
        if value is not None and rule.failed(response):
            _usage(request, rule, value, increment=True)


def rate_limit(*names: str):
    """Decorate a view so every request counts against the named limits."""
    unknown = [name for name in names if name not in RULES]
    if unknown:
        raise ValueError(f"unknown rate limits: {unknown}")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            refusal = check(request, names, kwargs)
            if refusal is not None:
                return refusal
            response = view(request, *args, **kwargs)
            _count_failures(request, names, kwargs, response)
            return response

        wrapped.rate_limits = names
        return wrapped

    return decorate


def rate_limit_exempt(reason: str):
    """Mark a public view that must not be limited per IP (provider webhooks retry from few
    addresses and would be dropped); the reason is what the URL-walking test reports."""

    def decorate(view):
        view.rate_limit_exempt = reason
        return view

    return decorate


def protect_admin_login(site) -> None:
    if getattr(site.login, "rate_limits", None):
        return
    site.login = rate_limit("login-per-ip", "login-failures-per-account")(site.login)
