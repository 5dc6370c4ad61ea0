"""Security headers, CSP with nonces, CORS for the API only, and `check --deploy` clean under
production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client, intro):
    response = client.get(reverse("event-page", args=["alice", "intro"]))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    # A nonce is added only to responses whose templates use one; ours need none. The
    # directives come in no fixed order, so script-src may be the last one.
    assert re.search(r"script-src 'self'(;|$| 'nonce-)", csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        if "email" in template.parts:
            continue  # emails are not web pages; mail clients need inline styles
        text = template.read_text()
        text = re.sub(r"\{#.*?#\}", "", text)
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) and "nonce" not in text:
            offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text) or re.search(r"\sstyle=", text):
            offenders.append(f"{template}: inline style")
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{template}: inline event handler")
    assert offenders == []


@pytest.mark.django_db
def test_cors_only_for_listed_origins_and_only_on_the_api(client, intro, settings):
    slots = reverse("api-slots", args=["alice", "intro"])
    assert "Access-Control-Allow-Origin" not in client.get(
        slots, HTTP_ORIGIN="https://evil.example"
    )
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    allowed = client.get(slots, HTTP_ORIGIN="https://partner.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Access-Control-Allow-Origin" not in client.get(
        slots, HTTP_ORIGIN="https://evil.example"
    )
    page = client.get(
        reverse("event-page", args=["alice", "intro"]), HTTP_ORIGIN="https://partner.example"
    )
    assert "Access-Control-Allow-Origin" not in page


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 30 + "Zq9!x@7#Lm2$Vb5%Nc8^Rt4&Yw6*Pj3(",
    "ALLOWED_HOSTS": "book.example.com",
    "BASE_URL": "https://book.example.com",
    "DATABASE_URL": "postgres://app:pw@127.0.0.1:9/app",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "EMAIL_URL": "smtp://mailer:pw@smtp.example.com:587",
    "CALENDAR_TOKEN_KEYS": "ZGV2LW9ubHktY2FsZW5kYXItdG9rZW4ta2V5LTAwMDA=",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
}


def run_manage(*args, extra=None):
    from config.env import VARIABLES

    # Only the production variables below, not the suite's (nor the browser tests' async
    # override, which check --deploy rightly refuses).
    ignored = {v.name for v in VARIABLES} | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(PRODUCTION)
    env.update(extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_cookies_and_redirects():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run_manage("shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == (
        "True True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    ), result.stderr
