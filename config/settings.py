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

from config.env import EnvironmentProblems, read_environment

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

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
    "accounts",
    "availability",
    "bookings",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
                "bookings.context_processors.display",
            ],
        },
    },
]

if ENV["DATABASE_URL"]:
    DATABASES = {"default": {**ENV["DATABASE_URL"], "CONN_MAX_AGE": 60}}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Every transaction takes the write lock at BEGIN, so booking checks and inserts
            # are serialised across processes (SQLite has no row locks).
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
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

# Security: cookies only over HTTPS in production; the JSON API is token-based.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
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
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "every-minute-send-due-reminders": {
        "task": "notifications.tasks.send_due_reminders",
        "schedule": 60.0,
    },
    "every-five-minutes-requeue-stalled-emails": {
        "task": "notifications.tasks.requeue_stalled_emails",
        "schedule": 300.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV["LOG_LEVEL"]},
}

if ENV["SENTRY_DSN"]:
    import sentry_sdk

    # send_default_pii stays off: guest names and emails must not leave for Sentry.
    sentry_sdk.init(dsn=ENV["SENTRY_DSN"], send_default_pii=False, traces_sample_rate=0.0)
