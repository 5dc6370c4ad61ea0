"""gunicorn settings (read from the working directory by `gunicorn config.wsgi`).

Access logs go to stdout with tokens redacted (config.access_log). The number of workers is
gunicorn's own WEB_CONCURRENCY (the image sets 3).
"""

bind = "0.0.0.0:8000"
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(L)s "%(f)s"'
logger_class = "config.access_log.RedactingLogger"
# Only the reverse proxy reaches gunicorn (docker-compose publishes no port of web), so its
# X-Forwarded-* headers are believed.
forwarded_allow_ips = "*"
timeout = 30
graceful_timeout = 30


def post_worker_init(worker):
    """Move everything loaded at start-up (Django, the apps, time zone data) out of the
    garbage collector's view: a full collection then walks only what requests made, instead
    of ~130,000 long-lived objects (a pause of tens of milliseconds every few hundred requests)."""
    import gc

    gc.freeze()
