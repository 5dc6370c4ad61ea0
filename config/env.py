"""Reading and validating the process environment.

Every setting the project takes from the environment is declared once in VARIABLES, with the
cast that parses it, its development default and whether production requires it. `read_environment`
parses them all and collects every problem instead of stopping at the first, so a misconfigured
deploy is told everything that is wrong in one message. `.env.example` is checked against this
list by the test suite.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import environ


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in environ.Env.BOOLEAN_TRUE_STRINGS:
        return True
    if lowered in ("false", "off", "no", "n", "0", ""):
        return False
    raise ValueError(f"expected a boolean (true/false), got {raw!r}")


def _parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"expected a positive integer, got {raw!r}")
    return value


def _parse_http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL such as https://book.example.com, got {raw!r}")
    return raw.rstrip("/")


def _parse_database_url(raw: str) -> dict[str, Any]:
    config = environ.Env.db_url_config(raw) if "://" in raw else {}
    if not str(config.get("ENGINE", "")).startswith("django.db.backends."):
        raise ValueError("expected postgres://user:password@host:5432/name (or sqlite:///path)")
    return config


def _parse_redis_url(raw: str) -> str:
    if urlsplit(raw).scheme not in ("redis", "rediss"):
        raise ValueError(f"expected a redis:// URL, got {raw!r}")
    return raw


def _parse_email_url(raw: str) -> dict[str, Any]:
    config = environ.Env.email_url_config(raw)
    if not config.get("EMAIL_BACKEND"):
        raise ValueError("unsupported email scheme")
    return config


def _parse_secret_key(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("must be at least 32 characters long")
    return raw


def _parse_fernet_keys(raw: str) -> list[str]:
    from cryptography.fernet import Fernet

    keys = _parse_list(raw)
    if not keys:
        raise ValueError("expected at least one Fernet key")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError("each key must be 32 url-safe base64-encoded bytes") from None
    return keys


def _parse_environment_name(raw: str) -> str:
    if raw not in ("development", "production", "test"):
        raise ValueError(f"expected development, production or test, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Variable:
    name: str
    parse: Callable[[str], Any]
    default: str | None
    required_in_production: bool
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "DJANGO_ENV",
        _parse_environment_name,
        "development",
        False,
        "development, production or test; production turns on every check below",
    ),
    Variable(
        "DEBUG",
        _parse_bool,
        None,
        False,
        "true in development, false otherwise; false also enables the production checks",
    ),
    Variable(
        "SECRET_KEY",
        _parse_secret_key,
        None,
        True,
        "Django's signing key (at least 32 characters); signs guest links and sessions",
    ),
    Variable(
        "ALLOWED_HOSTS", _parse_list, None, True, "comma-separated host names the site answers to"
    ),
    Variable(
        "BASE_URL",
        _parse_http_url,
        "http://127.0.0.1:8000",
        True,
        "public origin used in links sent to guests, e.g. https://book.example.com",
    ),
    Variable(
        "DATABASE_URL",
        _parse_database_url,
        None,
        True,
        "postgres://user:pass@host:5432/name; unset in development means a SQLite file",
    ),
    Variable(
        "REDIS_URL",
        _parse_redis_url,
        None,
        True,
        "redis://host:6379/0 for Celery and the cache; unset in development means a broker "
        "in files under var/",
    ),
    Variable(
        "EMAIL_URL",
        _parse_email_url,
        None,
        False,
        "email backend as a URL (smtp://user:pass@host:587, consolemail://); wins over "
        "Resend; unset without RESEND_API_KEY means the console",
    ),
    Variable(
        "RESEND_API_KEY",
        str,
        "",
        False,
        "Resend API key; when set (and EMAIL_URL is not), emails go out through Resend",
    ),
    Variable(
        "RESEND_API_URL",
        _parse_http_url,
        "https://api.resend.com",
        False,
        "Resend API origin; only tests point it elsewhere",
    ),
    Variable(
        "DEFAULT_FROM_EMAIL",
        str,
        "Slotbook <bookings@localhost>",
        False,
        "From: address of the emails the site sends",
    ),
    Variable(
        "CSRF_TRUSTED_ORIGINS",
        _parse_list,
        "",
        False,
        "comma-separated extra origins allowed to post forms (https://book.example.com)",
    ),
    Variable("SENTRY_DSN", str, "", False, "Sentry DSN; errors are reported there when set"),
    Variable("LOG_LEVEL", str, "INFO", False, "root log level: DEBUG, INFO, WARNING or ERROR"),
    Variable(
        "CALENDAR_TOKEN_KEYS",
        _parse_fernet_keys,
        # A fixed development key so `make run` works; production must set its own.
        "ZGV2LW9ubHktY2FsZW5kYXItdG9rZW4ta2V5LTAwMDA=",
        True,
        "comma-separated Fernet keys encrypting calendar OAuth tokens, newest first; "
        "generate with `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`",
    ),
    Variable("GOOGLE_CLIENT_ID", str, "", False, "Google OAuth client id; unset hides Google"),
    Variable("GOOGLE_CLIENT_SECRET", str, "", False, "Google OAuth client secret"),
    Variable(
        "GOOGLE_OAUTH_AUTH_URI",
        _parse_http_url,
        "https://accounts.google.com/o/oauth2/auth",
        False,
        "Google's consent page; only tests and emulators change it",
    ),
    Variable(
        "GOOGLE_OAUTH_TOKEN_URI",
        _parse_http_url,
        "https://oauth2.googleapis.com/token",
        False,
        "Google's token endpoint",
    ),
    Variable(
        "GOOGLE_OAUTH_REVOKE_URI",
        _parse_http_url,
        "https://oauth2.googleapis.com/revoke",
        False,
        "Google's token revocation endpoint",
    ),
    Variable(
        "GOOGLE_API_BASE_URL",
        _parse_http_url,
        "https://www.googleapis.com/",
        False,
        "Google APIs origin (Calendar API v3 lives under calendar/v3/)",
    ),
    Variable(
        "MICROSOFT_CLIENT_ID", str, "", False, "Microsoft Entra app id; unset hides Microsoft"
    ),
    Variable("MICROSOFT_CLIENT_SECRET", str, "", False, "Microsoft Entra client secret"),
    Variable("MICROSOFT_TENANT", str, "common", False, "Entra tenant: common, organizations, id"),
    Variable(
        "MICROSOFT_AUTHORITY_URL",
        _parse_http_url,
        "https://login.microsoftonline.com",
        False,
        "Microsoft identity platform origin (the tenant is appended)",
    ),
    Variable(
        "MICROSOFT_GRAPH_URL",
        _parse_http_url,
        "https://graph.microsoft.com/v1.0",
        False,
        "Microsoft Graph base URL",
    ),
    Variable(
        "ICS_ALLOW_PRIVATE_URLS",
        _parse_bool,
        "false",
        False,
        "true lets ICS subscriptions fetch private/loopback addresses; tests only",
    ),
    Variable(
        "GUEST_LINK_MAX_AGE_DAYS",
        _parse_positive_int,
        "400",
        False,
        "days a guest's reschedule/cancel link stays valid",
    ),
)


class EnvironmentProblems(Exception):
    """Raised with every problem found, so one message names them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The environment is not valid for this deployment:\n{lines}")


def is_production(environment: Mapping[str, str]) -> bool:
    if environment.get("DJANGO_ENV", "development") == "production":
        return True
    debug = environment.get("DEBUG")
    return debug is not None and debug.strip().lower() in ("false", "off", "no", "n", "0")


def _calendar_problems(values: dict[str, Any], production: bool) -> list[str]:
    """A provider is offered only with both halves of its OAuth client; private ICS fetches
    are for tests."""
    problems = []
    for provider in ("GOOGLE", "MICROSOFT"):
        if values.get(f"{provider}_CLIENT_ID") and not values.get(f"{provider}_CLIENT_SECRET"):
            problems.append(
                f"{provider}_CLIENT_SECRET is required when {provider}_CLIENT_ID is set"
            )
    if production and values.get("ICS_ALLOW_PRIVATE_URLS"):
        problems.append("ICS_ALLOW_PRIVATE_URLS must be false in production")
    return problems


def read_environment(environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Parse every declared variable; raise EnvironmentProblems naming all failures."""
    environment = os.environ if environment is None else environment
    production = is_production(environment)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for variable in VARIABLES:
        raw = environment.get(variable.name)
        if raw is None or raw == "":
            if production and variable.required_in_production:
                problems.append(f"{variable.name} is required: {variable.help}")
                values[variable.name] = None
                continue
            raw = variable.default
        if raw is None:
            values[variable.name] = None
            continue
        try:
            values[variable.name] = variable.parse(raw)
        except (ValueError, TypeError, environ.ImproperlyConfigured) as error:
            problems.append(f"{variable.name} is malformed: {error}")
            values[variable.name] = None
    if production and values.get("DJANGO_ENV") == "production" and values.get("DEBUG"):
        problems.append("DEBUG must be false when DJANGO_ENV is production")
    problems.extend(_calendar_problems(values, production))
    if problems:
        raise EnvironmentProblems(problems)
    values["PRODUCTION"] = production
    if values["DEBUG"] is None:
        values["DEBUG"] = not production and values["DJANGO_ENV"] == "development"
    return values
