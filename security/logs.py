"""Logging: JSON lines in production, readable text in development, no personal data.

Every record gets the id of the request it belongs to (security.middleware sets it) and passes
PiiFilter, which masks emails and cuts tokens from the message, its arguments, a formatted
traceback and any URL, and drops extra fields with sensitive names. DEBUG_LOGS=1 turns on
debug output of the project's own loggers.
"""

from __future__ import annotations

import contextvars
import logging

from security.scrub import REDACTED, SENSITIVE_KEYS, scrub_text

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

PROJECT_LOGGERS = ("accounts", "availability", "bookings", "notifications", "security", "config")
_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class PiiFilter(logging.Filter):
    """Rewrite the record so nothing personal or secret reaches a handler."""

    _traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = scrub_text(message)
        record.args = None
        if record.exc_info:
            record.exc_text = scrub_text(self._traceback_formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        request = record.__dict__.get("request")
        if request is not None and not isinstance(request, str):
            # Django attaches the request object; its repr carries the full URL.
            method = getattr(request, "method", "")
            path = getattr(request, "get_full_path", lambda: "")()
            record.request = scrub_text(f"{method} {path}".strip())
        for key in list(record.__dict__):
            if key in _STANDARD_ATTRIBUTES or key in ("request", "request_id"):
                continue
            if key.lower() in SENSITIVE_KEYS:
                record.__dict__[key] = REDACTED
            elif isinstance(record.__dict__[key], str):
                record.__dict__[key] = scrub_text(record.__dict__[key])
        return True


def logging_config(*, json: bool, level: str, debug_logs: bool) -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    project_level = "DEBUG" if debug_logs else level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "security.logs.RequestIdFilter"},
            "pii": {"()": "security.logs.PiiFilter"},
        },
        "formatters": {"main": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["request_id", "pii"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            name: {"level": project_level, "handlers": [], "propagate": True}
            for name in PROJECT_LOGGERS
        },
    }
