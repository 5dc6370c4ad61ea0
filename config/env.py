"""Reading and validating the process environment.

Every setting the project takes from the environment is declared once in VARIABLES, with the
cast that parses it, its development default and whether production requires it. `read_environment`
parses them all and collects every problem instead of stopping at the first, so a misconfigured
deploy is told everything that is wrong in one message. `.env.example` is checked against this
list by the test suite.
"""

from __future__ import annotations

import os
import re
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


def _parse_non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected 0 or a positive integer, got {raw!r}")
    return value


def _parse_rate(raw: str) -> str:
    """A django-ratelimit rate: requests per period, e.g. 30/h, 10/15m, 5/30s."""
    if not re.fullmatch(r"[1-9][0-9]*/[1-9]?[0-9]*[smhd]", raw.strip()):
        raise ValueError(f"expected a rate such as 30/h or 10/15m, got {raw!r}")
    return raw.strip()


def _parse_sample_rate(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a number from 0 to 1, got {raw!r}")
    return value


def _parse_log_format(raw: str) -> str:
    if raw not in ("json", "text", ""):
        raise ValueError(f"expected json or text, got {raw!r}")
    return raw


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


# Rate limits (security.ratelimits): name of the limit -> (variable, default, what it counts).
# The defaults are far above what a person does by hand and far below what a script does.
RATE_LIMIT_VARIABLES: dict[str, tuple[str, str, str]] = {
    "booking-per-ip": ("RATELIMIT_BOOKING_PER_IP", "20/h", "bookings made (page and API) per IP"),
    "booking-per-email": ("RATELIMIT_BOOKING_PER_EMAIL", "5/h", "bookings per guest email"),
    "slots-per-ip": ("RATELIMIT_SLOTS_PER_IP", "120/m", "slot queries (API and pages) per IP"),
    "guest-change-per-booking": (
        "RATELIMIT_GUEST_CHANGE_PER_BOOKING",
        "10/h",
        "guest reschedule/cancel attempts per booking",
    ),
    "signup-per-ip": ("RATELIMIT_SIGNUP_PER_IP", "10/h", "sign-ups per IP"),
    "signup-per-email": ("RATELIMIT_SIGNUP_PER_EMAIL", "3/h", "sign-ups per email address"),
    "login-per-ip": ("RATELIMIT_LOGIN_PER_IP", "30/15m", "log-in attempts per IP (incl. admin)"),
    "login-failures-per-account": (
        "RATELIMIT_LOGIN_FAILURES_PER_ACCOUNT",
        "10/15m",
        "failed log-ins per account (incl. admin)",
    ),
    "password-reset-per-ip": ("RATELIMIT_PASSWORD_RESET_PER_IP", "10/h", "reset requests per IP"),
    "password-reset-per-email": (
        "RATELIMIT_PASSWORD_RESET_PER_EMAIL",
        "3/h",
        "reset requests per email address",
    ),
    "public-post-per-ip": (
        "RATELIMIT_PUBLIC_POST_PER_IP",
        "30/10m",
        "other public form posts (activation, new password, log-out) per IP",
    ),
    "pages-per-ip": ("RATELIMIT_PAGES_PER_IP", "300/m", "other public page views per IP"),
    "assistant-per-ip": (
        "RATELIMIT_ASSISTANT_PER_IP",
        "30/10m",
        "booking assistant messages per IP",
    ),
    "captcha-outage-per-ip": (
        "RATELIMIT_CAPTCHA_OUTAGE_PER_IP",
        "3/h",
        "forms let through per IP while hCaptcha cannot be reached",
    ),
}

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
    Variable(
        "SENTRY_ENVIRONMENT", str, "", False, "environment tag on Sentry events; default DJANGO_ENV"
    ),
    Variable("SENTRY_RELEASE", str, "", False, "release tag on Sentry events (e.g. the git sha)"),
    Variable(
        "SENTRY_TRACES_SAMPLE_RATE",
        _parse_sample_rate,
        "0",
        False,
        "share of requests traced for Sentry performance monitoring, 0 to 1",
    ),
    Variable("LOG_LEVEL", str, "INFO", False, "root log level: DEBUG, INFO, WARNING or ERROR"),
    Variable(
        "ADMIN_URL",
        _parse_admin_url,
        "admin/",
        False,
        "path of the Django admin, e.g. staff-7f3k/ (an unguessable path keeps scanners away)",
    ),
    Variable(
        "LOG_FORMAT",
        _parse_log_format,
        "",
        False,
        "json (one object a line) or text; unset means json in production, text otherwise",
    ),
    Variable(
        "DEBUG_LOGS",
        _parse_bool,
        "false",
        False,
        "1/true turns on debug-level output of the project's own loggers (still masked)",
    ),
    Variable(
        "RATELIMIT_ENABLE",
        _parse_bool,
        "true",
        False,
        "false turns every rate limit off (never do this on a public site)",
    ),
    *(
        Variable(name, _parse_rate, default, False, f"rate limit: {what} (count/period)")
        for name, default, what in RATE_LIMIT_VARIABLES.values()
    ),
    Variable(
        "TRUSTED_PROXY_COUNT",
        _parse_non_negative_int,
        "0",
        False,
        "proxies in front of the app that append to X-Forwarded-For; 0 trusts only the socket",
    ),
    Variable(
        "HCAPTCHA_SITEKEY",
        str,
        "",
        False,
        "hCaptcha site key; with HCAPTCHA_SECRET, booking, sign-up and reset forms need a captcha",
    ),
    Variable("HCAPTCHA_SECRET", str, "", False, "hCaptcha secret key (see HCAPTCHA_SITEKEY)"),
    Variable(
        "HCAPTCHA_VERIFY_URL",
        _parse_http_url,
        "https://api.hcaptcha.com/siteverify",
        False,
        "hCaptcha verify endpoint; only tests point it elsewhere",
    ),
    Variable(
        "HCAPTCHA_JS_API_URL",
        _parse_http_url,
        "https://js.hcaptcha.com/1/api.js",
        False,
        "hCaptcha widget script; only tests point it elsewhere",
    ),
    Variable(
        "HCAPTCHA_TIMEOUT",
        _parse_positive_int,
        "3",
        False,
        "seconds to wait for hCaptcha before treating it as an outage",
    ),
    Variable(
        "SECURE_SSL_REDIRECT",
        _parse_bool,
        None,
        False,
        "redirect plain HTTP to HTTPS (health checks exempt); unset means on in production",
    ),
    Variable(
        "SECURE_HSTS_SECONDS",
        _parse_non_negative_int,
        "0",
        False,
        "Strict-Transport-Security max-age; 0 sends no HSTS header (e.g. 31536000 for a year)",
    ),
    Variable(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        _parse_bool,
        "true",
        False,
        "HSTS also covers subdomains (only when SECURE_HSTS_SECONDS is set)",
    ),
    Variable(
        "SECURE_HSTS_PRELOAD",
        _parse_bool,
        "false",
        False,
        "ask browsers to preload HSTS for the domain (hard to undo; only with HSTS on)",
    ),
    Variable(
        "SECURE_PROXY_SSL_HEADER",
        str,
        "",
        False,
        "header the TLS proxy sets to https, e.g. X-Forwarded-Proto; unset in production "
        "means X-Forwarded-Proto",
    ),
    Variable(
        "CORS_ALLOWED_ORIGINS",
        _parse_list,
        "",
        False,
        "comma-separated origins whose pages may call /api/ from a browser; none by default",
    ),
    Variable(
        "GUEST_DATA_RETENTION_DAYS",
        _parse_non_negative_int,
        "0",
        False,
        "anonymize guest names, emails and notes of bookings that ended this many days ago "
        "(daily, by beat); 0 keeps them",
    ),
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
    problems.extend(_calendar_problems(values, production))
    if problems:
        raise EnvironmentProblems(problems)
    values["PRODUCTION"] = production
    if values["DEBUG"] is None:
        values["DEBUG"] = not production and values["DJANGO_ENV"] == "development"
    return values
