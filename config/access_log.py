"""Access logs without secrets: tokens in paths and every query-string value are redacted.

Guest links carry their tokens in the query string (`?token=...`); calendar feeds, account
activation and password reset carry them in the path. gunicorn's access log (and a Referer
that repeats such a URL) would otherwise write them to disk and to whatever ships the logs.
gunicorn.conf.py installs RedactingLogger; `redact` is the one rule, also for other loggers.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_SEGMENT = r"[^/\s?#\"]+"
# (literal every match contains, pattern, replacement): the literal is a cheap test first, as
# every atom of every access-log line (headers and environ included) passes through here.
_PATH_SECRETS = (
    # /feeds/<token>.ics
    ("/feeds/", re.compile(rf"(/feeds/){_SEGMENT}?(\.ics)"), rf"\1{REDACTED}\2"),
    # /accounts/activate/<uid>/<token>/ and /accounts/password-reset/<uid>/<token>/
    (
        "/accounts/",
        re.compile(
            rf"(/accounts/(?:activate|password-reset)/)(?!sent/|done/){_SEGMENT}/{_SEGMENT}"
        ),
        rf"\1{REDACTED}/{REDACTED}",
    ),
)
# Every value of a query string, wherever it appears (?a=1&b=2, or a bare a=1&b=2).
_QUERY_VALUE = re.compile(r"((?:^|[?&])[^=&\s?#\"]+=)[^&\s#\"]*")


def redact_path(text: str) -> str:
    for literal, pattern, replacement in _PATH_SECRETS:
        if literal in text:
            text = pattern.sub(replacement, text)
    return text


def redact(text: str) -> str:
    """A request line, path, URL or query string with its secrets replaced."""
    if "?" in text:
        before, _, query = text.partition("?")
        return redact_path(before) + "?" + redact_query(query)
    return redact_path(text)


def redact_query(query: str) -> str:
    if "=" not in query:  # no value to hide
        return query
    return _QUERY_VALUE.sub(rf"\1{REDACTED}", query)


class RedactingLogger(Logger):
    """gunicorn's logger with every access-log atom passed through `redact`."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str):
                continue
            if name in ("q", "{query_string}e"):
                atoms[name] = redact_query(value)
            else:
                atoms[name] = redact(value)
        return atoms
