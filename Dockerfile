# One image for web (gunicorn), the Celery worker, beat and the one-off migrate job.
# Production defaults are baked in (DJANGO_ENV=production: no DEBUG, no development key; the
# settings refuse to start until SECRET_KEY, ALLOWED_HOSTS, BASE_URL, DATABASE_URL and
# REDIS_URL are given). Static files are collected at build time, so the manifest that
# production's storage needs is always in the image.
# PYTHON_IMAGE: any Debian-based image with Python 3.11 and pip on PATH as `python`/`pip`;
# production uses the official one (override only where Docker Hub is unreachable).
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    WEB_CONCURRENCY=3
WORKDIR /app

COPY . .
# Every dependency at the version pinned by requirements.lock.
# collectstatic loads the production settings, so it gets placeholders for every variable they
# require (none reaches the image; tests/deploy/test_compose_rehearsal.py runs this very line).
RUN pip install -c requirements.lock . \
 && SECRET_KEY=collectstatic-only-not-a-real-key-000000 ALLOWED_HOSTS=build \
    BASE_URL=http://build DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build:6379/0 \
    EMAIL_URL=consolemail:// CALENDAR_TOKEN_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLWtleS0wMDA= \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin slotbook

# Never root at run time; the app writes nothing outside /tmp.
USER slotbook
EXPOSE 8000
# gunicorn.conf.py (working directory): bind, workers, access log with tokens redacted.
CMD ["gunicorn", "config.wsgi:application"]
