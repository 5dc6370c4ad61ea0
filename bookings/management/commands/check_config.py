"""Say how this deployment is wired, without secrets, and whether its services answer."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def _cause(error: BaseException) -> str:
    """The exception's class and first line: enough to act on, short enough for one line."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def static_problem() -> str | None:
    """Production serves hashed names from collectstatic's manifest; without it every page
    that links a stylesheet fails."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        return None
    if not storage.manifest_storage.exists(storage.manifest_name):
        return (
            f"static files are not collected: {storage.manifest_name} is missing from "
            f"{settings.STATIC_ROOT} (run `manage.py collectstatic --noinput`)"
        )
    return None


def _without_secrets(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class Command(BaseCommand):
    help = (
        "Print the effective configuration (no secrets) and check that the database and the "
        "Celery broker answer and, in production, that static files were collected. Exits "
        "non-zero naming the cause of each failure. The environment itself is validated when "
        "settings load."
    )

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]
        lines = [
            f"environment: {'production' if settings.PRODUCTION else 'development/test'}"
            f" (DEBUG={settings.DEBUG})",
            f"base URL: {settings.BASE_URL}",
            f"database: {database['ENGINE'].rsplit('.', 1)[-1]} "
            f"{database.get('HOST') or database['NAME']}",
            f"broker: {_without_secrets(settings.CELERY_BROKER_URL)}",
            f"email backend: {settings.EMAIL_BACKEND}",
            f"from address: {settings.DEFAULT_FROM_EMAIL}",
            f"sentry: {'on' if settings.ENV['SENTRY_DSN'] else 'off'}",
            f"rate limits: {'on' if settings.RATELIMIT_ENABLE else 'OFF'}"
            f" (trusted proxies: {settings.TRUSTED_PROXY_COUNT})",
            f"captcha: {'on' if settings.HCAPTCHA_SITEKEY and settings.HCAPTCHA_SECRET else 'off'}",
        ]
        for line in lines:
            self.stdout.write(line)
        problems = []
        try:
            connection.ensure_connection()
        except Exception as error:
            problems.append(f"database does not answer: {_cause(error)}")
        from config.celery import app

        try:
            with app.connection_for_write() as broker:
                broker.ensure_connection(max_retries=1, timeout=5)
        except Exception as error:
            problems.append(f"broker does not answer: {_cause(error)}")
        try:
            problem = static_problem()
        except Exception as error:
            problem = f"static files cannot be checked: {_cause(error)}"
        if problem:
            problems.append(problem)
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write("database and broker answer: OK")
