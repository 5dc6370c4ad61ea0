"""Reading and validating the process environment.

Every setting the project takes from the environment is declared once in VARIABLES, with the
cast that parses it, its development default and whether production requires it. `read_environment`
parses them all and collects every problem instead of stopping at the first, so a misconfigured
deploy is told everything that is wrong in one message. `.env.example` is checked against this
list by the test suite.
"""

from __future__ import annotations

import os
import sys
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


def _parse_hold_minutes(raw: str) -> int:
    value = int(raw)
    # Stripe Checkout sessions live at least 30 minutes and at most 24 hours.
    if not 30 <= value <= 1440:
        raise ValueError(f"expected minutes between 30 and 1440, got {raw!r}")
    return value


def _parse_secret_key(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("must be at least 32 characters long")
    return raw


def _parse_environment_name(raw: str) -> str:
    if raw not in ("development", "production", "test"):
        raise ValueError(f"expected development, production or test, got {raw!r}")
    return raw


def _parse_admin_url(raw: str) -> str:
    path = raw.strip().strip("/")
    if not path or any(part in ("", ".", "..") for part in path.split("/")):
        raise ValueError(f"expected a path such as admin/ or staff-7f3k/, got {raw!r}")
    if not all(char.isalnum() or char in "-_/" for char in path):
        raise ValueError("use letters, digits, '-', '_' and '/' only")
    return f"{path}/"


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
        "ADMIN_URL",
        _parse_admin_url,
        "admin/",
        False,
        "path of the Django admin, e.g. staff-7f3k/ (an unguessable path keeps scanners away)",
    ),
    Variable(
        "GUEST_LINK_MAX_AGE_DAYS",
        _parse_positive_int,
        "400",
        False,
        "days a guest's reschedule/cancel link stays valid",
    ),
    Variable(
        "ASSISTANT_LLM_URL",
        _parse_http_url,
        None,
        False,
        "OpenAI-compatible API base URL (e.g. http://127.0.0.1:11434/v1) for the booking "
        "assistant; unset means the built-in parser alone",
    ),
    Variable("ASSISTANT_LLM_MODEL", str, "", False, "model name the booking assistant asks"),
    Variable("ASSISTANT_LLM_API_KEY", str, "", False, "API key for ASSISTANT_LLM_URL"),
    Variable(
        "STRIPE_SECRET_KEY",
        str,
        "",
        False,
        "Stripe secret key of the platform account; payments are offered only when set",
    ),
    Variable(
        "STRIPE_WEBHOOK_SECRET",
        str,
        "",
        False,
        "signing secret (whsec_...) of the platform webhook endpoint /payments/stripe/webhook/; "
        "required in production when STRIPE_SECRET_KEY is set",
    ),
    Variable(
        "STRIPE_CONNECT_WEBHOOK_SECRET",
        str,
        "",
        False,
        "signing secret of the Connect webhook endpoint /payments/stripe/connect-webhook/; "
        "required in production when STRIPE_SECRET_KEY is set",
    ),
    Variable(
        "STRIPE_API_BASE",
        _parse_http_url,
        "https://api.stripe.com",
        False,
        "Stripe API origin; only tests and stripe-mock point it elsewhere",
    ),
    Variable(
        "PAYMENT_HOLD_MINUTES",
        _parse_hold_minutes,
        "30",
        False,
        "minutes a slot is held for a guest paying at Stripe Checkout (30 to 1440)",
    ),
)

# Required in production only when payments are turned on (STRIPE_SECRET_KEY set).
REQUIRED_WITH_PAYMENTS = ("STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET")


class EnvironmentProblems(Exception):
    """Raised with every problem found, so one message names them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The environment is not valid for this deployment:\n{lines}")


def dotenv_wanted(environment: Mapping[str, str] | None = None) -> bool:
    """Whether `.env` may be read: not under the test suite, whose settings must not depend on
    a developer's file."""
    environment = os.environ if environment is None else environment
    return environment.get("DJANGO_ENV") != "test" and "pytest" not in sys.modules


def read_dotenv(path) -> bool:
    """Fill unset variables from a `.env` file when there is one (django-environ's reader).

    Variables already in the environment win, so a deployment can override any line.
    """
    if not os.path.isfile(path):
        return False
    environ.Env.read_env(str(path), overwrite=False)
    return True


def is_production(environment: Mapping[str, str]) -> bool:
    if environment.get("DJANGO_ENV", "development") == "production":
        return True
    debug = environment.get("DEBUG")
    return debug is not None and debug.strip().lower() in ("false", "off", "no", "n", "0")


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
    if production and not environment.get("EMAIL_URL") and not environment.get("RESEND_API_KEY"):
        # Otherwise production mail would go to the console: silently nowhere.
        problems.append(
            "EMAIL_URL or RESEND_API_KEY is required: how emails leave (smtp://user:pass@host:587,"
            " or a Resend API key)"
        )
    if production and values.get("STRIPE_SECRET_KEY"):
        problems.extend(
            f"{name} is required when STRIPE_SECRET_KEY is set"
            for name in REQUIRED_WITH_PAYMENTS
            if not values.get(name)
        )
    if production and values.get("DJANGO_ENV") == "production" and values.get("DEBUG"):
        problems.append("DEBUG must be false when DJANGO_ENV is production")
    if problems:
        raise EnvironmentProblems(problems)
    values["PRODUCTION"] = production
    if values["DEBUG"] is None:
        values["DEBUG"] = not production and values["DJANGO_ENV"] == "development"
    return values
