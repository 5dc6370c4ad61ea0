"""Settings from the environment: development needs nothing, production names every problem."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import VARIABLES, EnvironmentProblems, read_environment

ROOT = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "book.example.com",
    "BASE_URL": "https://book.example.com",
    "DATABASE_URL": "postgres://app:pw@db:5432/app",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_URL": "smtp://mailer:pw@smtp.example.com:587",
    "CALENDAR_TOKEN_KEYS": "ZGV2LW9ubHktY2FsZW5kYXItdG9rZW4ta2V5LTAwMDA=",
}


def test_development_needs_no_variables():
    values = read_environment({})
    assert values["DEBUG"] is True and values["PRODUCTION"] is False
    assert values["DATABASE_URL"] is None and values["REDIS_URL"] is None


def test_a_complete_production_environment_is_accepted():
    values = read_environment(GOOD_PRODUCTION)
    assert values["PRODUCTION"] is True and values["DEBUG"] is False
    assert values["DATABASE_URL"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["ALLOWED_HOSTS"] == ["book.example.com"]


def test_production_names_every_missing_variable_at_once():
    with pytest.raises(EnvironmentProblems) as problems:
        read_environment({"DJANGO_ENV": "production"})
    message = str(problems.value)
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "BASE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "CALENDAR_TOKEN_KEYS",
    ):
        assert name in message
    assert "EMAIL_URL or RESEND_API_KEY" in message  # no silent console mail in production
    assert len(problems.value.problems) == 7


def test_debug_off_also_means_production_checks():
    with pytest.raises(EnvironmentProblems):
        read_environment({"DEBUG": "false"})


def test_malformed_values_are_named_with_the_reason():
    bad = {
        **GOOD_PRODUCTION,
        "SECRET_KEY": "short",
        "BASE_URL": "book.example.com",
        "DATABASE_URL": "nonsense://x",
        "REDIS_URL": "http://redis",
        "GUEST_LINK_MAX_AGE_DAYS": "-3",
        "DEBUG": "maybe",
    }
    with pytest.raises(EnvironmentProblems) as problems:
        read_environment(bad)
    names = {problem.split(" ")[0] for problem in problems.value.problems}
    assert names == {
        "SECRET_KEY",
        "BASE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "GUEST_LINK_MAX_AGE_DAYS",
        "DEBUG",
    }


def test_debug_cannot_be_on_in_production():
    with pytest.raises(EnvironmentProblems, match="DEBUG must be false"):
        read_environment({**GOOD_PRODUCTION, "DEBUG": "true"})


def test_the_process_stops_with_one_message_and_no_traceback():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {variable.name for variable in VARIABLES}
    }
    env["DJANGO_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("is required") == 7


def test_env_example_lists_every_variable_with_a_comment():
    text = (ROOT / ".env.example").read_text()
    lines = text.splitlines()
    for variable in VARIABLES:
        index = next(
            (i for i, line in enumerate(lines) if re.match(rf"^#?\s*{variable.name}=", line)), None
        )
        assert index is not None, f"{variable.name} missing from .env.example"
        assert lines[index - 1].startswith("# "), f"{variable.name} has no comment above it"


def test_calendar_clients_need_both_halves_and_private_ics_is_refused_in_production():
    with pytest.raises(EnvironmentProblems) as problems:
        read_environment(
            {
                **GOOD_PRODUCTION,
                "GOOGLE_CLIENT_ID": "id",
                "MICROSOFT_CLIENT_ID": "id",
                "ICS_ALLOW_PRIVATE_URLS": "true",
                "CALENDAR_TOKEN_KEYS": "not-a-key",
            }
        )
    message = str(problems.value)
    assert "GOOGLE_CLIENT_SECRET is required" in message
    assert "MICROSOFT_CLIENT_SECRET is required" in message
    assert "ICS_ALLOW_PRIVATE_URLS must be false" in message
    assert "CALENDAR_TOKEN_KEYS is malformed" in message
