"""Django settings: one module, driven by the environment.

Layering: every value comes from `config.env.read_environment`, which declares each variable with
a development default. Development needs no `.env` at all (SQLite file, console email, Celery
broker in files under var/). Production (DJANGO_ENV=production or DEBUG=false) requires the
variables marked so and refuses to start, naming every problem at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from celery.schedules import crontab

from config.env import (
    RATE_LIMIT_VARIABLES,
    EnvironmentProblems,
    dotenv_wanted,
    read_dotenv,
    read_environment,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# A `.env` beside manage.py fills in what the process environment leaves unset (never in tests,
# whose settings must not depend on a developer's file).
if dotenv_wanted():
    read_dotenv(BASE_DIR / ".env")

try:
    ENV = read_environment()
except EnvironmentProblems as problems:
    # One message naming everything that is wrong, and no traceback to dig through.
    sys.stderr.write(f"{problems}\n")
    raise SystemExit(1) from None

PRODUCTION = ENV["PRODUCTION"]
DEBUG = ENV["DEBUG"]
# Development gets a fixed key so sessions survive restarts; production must set its own.
SECRET_KEY = ENV["SECRET_KEY"] or "dev-insecure-key-do-not-use-in-production-0123456789"
ALLOWED_HOSTS = ENV["ALLOWED_HOSTS"] or ["127.0.0.1", "localhost", "testserver"]
BASE_URL = ENV["BASE_URL"]
CSRF_TRUSTED_ORIGINS = ENV["CSRF_TRUSTED_ORIGINS"]
GUEST_LINK_MAX_AGE_DAYS = ENV["GUEST_LINK_MAX_AGE_DAYS"]
ADMIN_URL = ENV["ADMIN_URL"]
# Payments (payments app): offered only when STRIPE_SECRET_KEY is set.
STRIPE_SECRET_KEY = ENV["STRIPE_SECRET_KEY"]
STRIPE_WEBHOOK_SECRET = ENV["STRIPE_WEBHOOK_SECRET"]
STRIPE_CONNECT_WEBHOOK_SECRET = ENV["STRIPE_CONNECT_WEBHOOK_SECRET"]
STRIPE_API_BASE = ENV["STRIPE_API_BASE"]
PAYMENT_HOLD_MINUTES = ENV["PAYMENT_HOLD_MINUTES"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "corsheaders",
    "csp",
    "hcaptcha_field",
    "django_ratelimit",
    "security",
    "accounts",
    "availability",
    "bookings",
    "notifications",
    "assistant",
    "payments",
    "analytics",
    "calendars",
]

MIDDLEWARE = [
    "security.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "security.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.RejectNullBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "calendars.context_processors.reconnect_banner",
                "bookings.context_processors.display",
            ],
        },
    },
]

# SQLite (the default file, or any sqlite:// DATABASE_URL): every transaction takes the write lock
# at BEGIN, so booking checks and inserts are serialised across processes (SQLite has no row
# locks), and a writer waits for the lock instead of failing with "database is locked".
_SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20}
if ENV["DATABASE_URL"]:
    DATABASES = {"default": {**ENV["DATABASE_URL"], "CONN_MAX_AGE": 60}}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {
            **_SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": _SQLITE_OPTIONS,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = ENV["REDIS_URL"]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit counters: Redis, falling back to process memory while Redis is unreachable
# (no REDIS_URL in development: memory only). Short timeouts so a hung Redis costs little.
CACHES["ratelimit"] = {
    "BACKEND": "security.cache.FallbackRedisCache",
    "LOCATION": REDIS_URL or "",
    "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
}

# Rate limits (security.ratelimits); every rate comes from the environment.
RATELIMIT_ENABLE = ENV["RATELIMIT_ENABLE"]
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = "security.client_ip.client_ip"
RATELIMITS = {name: ENV[variable] for name, (variable, *_) in RATE_LIMIT_VARIABLES.items()}
TRUSTED_PROXY_COUNT = ENV["TRUSTED_PROXY_COUNT"]
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit only knows django-redis by name; Django's own RedisCache (which
    # security.cache.FallbackRedisCache extends) increments atomically just the same.
    "django_ratelimit.W001",
]

# hCaptcha on the public booking form, sign-up and password reset when both keys are set.
HCAPTCHA_SITEKEY = ENV["HCAPTCHA_SITEKEY"]
HCAPTCHA_SECRET = ENV["HCAPTCHA_SECRET"]
HCAPTCHA_VERIFY_URL = ENV["HCAPTCHA_VERIFY_URL"]
HCAPTCHA_JS_API_URL = ENV["HCAPTCHA_JS_API_URL"]
HCAPTCHA_TIMEOUT = ENV["HCAPTCHA_TIMEOUT"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, static files are served straight from static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)
# Uploads (host avatars) go through the default storage; on disk under var/media unless a
# deployment configures another backend. They are served by accounts.views.avatar, not /media/.
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: an explicit EMAIL_URL picks any backend; otherwise Resend when RESEND_API_KEY is set;
# otherwise the console. (The test runner swaps in locmem whatever is set here.)
RESEND_API_KEY = ENV["RESEND_API_KEY"]
RESEND_API_URL = ENV["RESEND_API_URL"]
if ENV["EMAIL_URL"]:
    _email = dict(ENV["EMAIL_URL"])
    EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
    for _key, _value in _email.items():
        globals()[_key] = _value
elif RESEND_API_KEY:
    EMAIL_BACKEND = "notifications.backends.ResendEmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = ENV["DEFAULT_FROM_EMAIL"]
# Sends that fail are retried with exponential backoff, up to this many attempts in all.
EMAIL_MAX_ATTEMPTS = 6
EMAIL_RETRY_BASE_SECONDS = 30
# An SMTP conversation that stalls this long (per socket operation) fails and is retried.
EMAIL_TIMEOUT = 30
# A delivery claimed by a worker that then died is handed out again after this lease; it must
# outlast the slowest real send (EMAIL_TIMEOUT per step), and bounds how late a copy can come.
EMAIL_SENDING_LEASE_SECONDS = 180
# A waiting delivery whose retry time has passed by this much lost its task: the sweeper
# re-queues it (broker down at publish time, or restarted without its queue).
EMAIL_REQUEUE_GRACE_SECONDS = 60

# Booking assistant: an optional OpenAI-compatible model; unset means the built-in parser.
ASSISTANT_LLM_URL = ENV["ASSISTANT_LLM_URL"]
ASSISTANT_LLM_MODEL = ENV["ASSISTANT_LLM_MODEL"]
ASSISTANT_LLM_API_KEY = ENV["ASSISTANT_LLM_API_KEY"]

# Calendar sync (calendars/): OAuth clients, endpoints (tests point them at local fakes) and
# the keys that encrypt tokens at rest. A provider without a client id is not offered.
CALENDAR_TOKEN_KEYS = ENV["CALENDAR_TOKEN_KEYS"]
GOOGLE_CLIENT_ID = ENV["GOOGLE_CLIENT_ID"]
GOOGLE_CLIENT_SECRET = ENV["GOOGLE_CLIENT_SECRET"]
GOOGLE_OAUTH_AUTH_URI = ENV["GOOGLE_OAUTH_AUTH_URI"]
GOOGLE_OAUTH_TOKEN_URI = ENV["GOOGLE_OAUTH_TOKEN_URI"]
GOOGLE_OAUTH_REVOKE_URI = ENV["GOOGLE_OAUTH_REVOKE_URI"]
GOOGLE_API_BASE_URL = ENV["GOOGLE_API_BASE_URL"]
MICROSOFT_CLIENT_ID = ENV["MICROSOFT_CLIENT_ID"]
MICROSOFT_CLIENT_SECRET = ENV["MICROSOFT_CLIENT_SECRET"]
MICROSOFT_TENANT = ENV["MICROSOFT_TENANT"]
MICROSOFT_AUTHORITY_URL = ENV["MICROSOFT_AUTHORITY_URL"]
MICROSOFT_GRAPH_URL = ENV["MICROSOFT_GRAPH_URL"]
ICS_ALLOW_PRIVATE_URLS = ENV["ICS_ALLOW_PRIVATE_URLS"]

# Security: cookies only over HTTPS in production; the JSON API is token-based.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
# Pages hand htmx the CSRF token in the markup, so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a TLS proxy: which header says the original request was https.
_proxy_header = ENV["SECURE_PROXY_SSL_HEADER"] or ("X-Forwarded-Proto" if PRODUCTION else "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
)
SECURE_SSL_REDIRECT = (
    ENV["SECURE_SSL_REDIRECT"] if ENV["SECURE_SSL_REDIRECT"] is not None else PRODUCTION
)
# Load balancers probe over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = ENV["SECURE_HSTS_SECONDS"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENV["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
SECURE_HSTS_PRELOAD = ENV["SECURE_HSTS_PRELOAD"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Guest links carry tokens in their query strings: never send them to other sites.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# Content-Security-Policy (django-csp): see security.csp; nonces for inline code, no CDN.
from security.csp import content_security_policy  # noqa: E402

CONTENT_SECURITY_POLICY = content_security_policy(
    HCAPTCHA_JS_API_URL if HCAPTCHA_SITEKEY and HCAPTCHA_SECRET else None
)

# CORS for the public JSON API only, and only for the origins listed.
CORS_ALLOWED_ORIGINS = ENV["CORS_ALLOWED_ORIGINS"]
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
# API bodies are small; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

# Celery: Redis when REDIS_URL is set, otherwise a broker made of files under var/celery so a
# worker and beat run on a machine with no servers installed.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    for _folder in (_queue_dir, _processed_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    _control_dir = VAR_DIR / "celery" / "control"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # kombu's default is ./control, relative to wherever the worker was started.
        "control_folder": str(_control_dir),
    }
CELERY_TASK_IGNORE_RESULT = True
# Delivery is at-least-once end to end: a task message is acknowledged only after it ran, and
# the outbox sweeper re-queues what a lost message or a killed worker left behind; the claim in
# notifications.services and the Message-ID derived from the delivery key make copies harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker outage must not end the worker: it reconnects forever, also at start-up (Celery's
# default gives up after 100 tries). Tasks running when the connection drops are not cancelled;
# a message whose ack was lost comes back after the visibility timeout and finds its row claimed
# or sent. If the worker exits anyway, its supervisor restarts it (docker-compose `restart`).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            # Publishing (from a request, beat or a task) makes one connection attempt of at
            # most a second instead of retrying for seconds when Redis is unreachable; the
            # outbox row stays for the sweeper (notifications.services.enqueue). The worker's
            # own consuming connection still reconnects forever (settings above).
            "max_retries": 0,
            "socket_connect_timeout": 1,
            # Longer than any task runs, so a slow send is not handed to a second worker.
            "visibility_timeout": 3600,
        }
    )
CELERY_TIMEZONE = "UTC"
# Workers keep the LOGGING below (JSON, request ids, PII filter) instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "every-minute-send-due-reminders": {
        "task": "notifications.tasks.send_due_reminders",
        "schedule": 60.0,
    },
    "every-minute-requeue-stalled-emails": {
        "task": "notifications.tasks.requeue_stalled_emails",
        "schedule": 60.0,
    },
    "every-minute-expire-payment-holds": {
        "task": "payments.tasks.expire_payment_holds",
        "schedule": 60.0,
    },
    "every-five-minutes-reconcile-payments": {
        "task": "payments.tasks.reconcile_payments",
        "schedule": 300.0,
    },
    # Today's figures: the days that booking changes marked dirty, recomputed.
    "every-five-minutes-rollup-dirty-analytics-days": {
        "task": "analytics.tasks.rollup_dirty_days",
        "schedule": 300.0,
    },
    # Safety net: yesterday and today of every active host, rebuilds after zone changes.
    "nightly-rollup-recent-analytics": {
        "task": "analytics.tasks.rollup_recent",
        "schedule": crontab(hour=2, minute=30),
    },
    "every-minute-sync-due-calendars": {
        "task": "calendars.tasks.sync_due_calendars",
        "schedule": 60.0,
    },
    "every-hour-renew-calendar-push-channels": {
        "task": "calendars.tasks.renew_push_channels",
        "schedule": 3600.0,
    },
}
GUEST_DATA_RETENTION_DAYS = ENV["GUEST_DATA_RETENTION_DAYS"]
if GUEST_DATA_RETENTION_DAYS:
    CELERY_BEAT_SCHEDULE["daily-anonymize-old-guests"] = {
        "task": "security.tasks.anonymize_old_guests",
        "schedule": 24 * 60 * 60.0,
    }

# Logs: JSON lines in production, text in development; every record carries the request id
# and passes the PII filter (security.logs).
from security.logs import logging_config  # noqa: E402

LOGGING = logging_config(
    json=(ENV["LOG_FORMAT"] or ("json" if PRODUCTION else "text")) == "json",
    level=ENV["LOG_LEVEL"],
    debug_logs=ENV["DEBUG_LOGS"],
)
# The stripe package logs every request at INFO; its warnings and errors are enough.
LOGGING.setdefault("loggers", {})["stripe"] = {"level": "WARNING"}

if ENV["SENTRY_DSN"]:
    from security.sentry import init_sentry

    init_sentry(
        dsn=ENV["SENTRY_DSN"],
        environment=ENV["SENTRY_ENVIRONMENT"] or ENV["DJANGO_ENV"],
        release=ENV["SENTRY_RELEASE"] or None,
        traces_sample_rate=ENV["SENTRY_TRACES_SAMPLE_RATE"],
    )
