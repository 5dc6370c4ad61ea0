"""Operating the deployment: commands that refuse what would hurt, settings that hold up."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from gunicorn.config import Config

from config import env as config_env
from config.access_log import RedactingLogger, redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_refuses_production_without_force(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused in production"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(email="demo@example.com").exists()
    call_command("seed_demo", "--force")
    demo = get_user_model().objects.get(email="demo@example.com")
    assert not demo.is_staff and not demo.is_superuser


@pytest.mark.django_db
def test_seed_demo_makes_the_readme_admin_login_work_in_development(client):
    call_command("seed_demo")
    call_command("seed_demo")  # again: still one user, still an admin
    demo = get_user_model().objects.get(email="demo@example.com")
    assert demo.is_staff and demo.is_superuser
    assert client.login(username="demo@example.com", password="demo")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_check_config_fails_without_the_static_manifest_in_production(settings, tmp_path):
    """Production's storage serves hashed names from collectstatic's manifest: without it
    every page is a 500, so the check must say so (the settings signal resets the storage)."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with pytest.raises(CommandError, match="static files are not collected"):
        call_command("check_config")
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    call_command("check_config")


@pytest.mark.django_db
def test_check_config_names_the_cause_of_a_failure():
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        with pytest.raises(CommandError) as failure:
            call_command("check_config")
    finally:
        app.conf.broker_url = original
    assert "broker does not answer: OperationalError: " in str(failure.value)
    assert "refused" in str(failure.value).lower()


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["-1", "0"])
def test_purging_unconfirmed_accounts_needs_a_positive_age(days):
    get_user_model().objects.create_user("ghost@example.com", None, is_active=False)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_unconfirmed_accounts", "--days", days)
    assert get_user_model().objects.filter(email="ghost@example.com").exists()


def test_a_dotenv_file_fills_in_unset_variables_only(tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLOTBOOK_TEST_FROM_FILE=file\nSLOTBOOK_TEST_BOTH=file\n")
    monkeypatch.setenv("SLOTBOOK_TEST_BOTH", "process")
    monkeypatch.delenv("SLOTBOOK_TEST_FROM_FILE", raising=False)
    assert config_env.read_dotenv(dotenv)
    assert os.environ["SLOTBOOK_TEST_FROM_FILE"] == "file"
    assert os.environ["SLOTBOOK_TEST_BOTH"] == "process"
    monkeypatch.delenv("SLOTBOOK_TEST_FROM_FILE")
    assert not config_env.read_dotenv(tmp_path / "missing.env")


def test_a_dotenv_file_is_never_read_under_tests():
    assert not config_env.dotenv_wanted({"DJANGO_ENV": "test"})
    assert not config_env.dotenv_wanted({})  # pytest is running
    assert config_env.dotenv_wanted.__doc__


def test_settings_read_dotenv_outside_tests(tmp_path):
    """A fresh process (no pytest) started beside a .env picks its values up."""
    (tmp_path / ".env").write_text("BASE_URL=https://from-dotenv.example.com\n")
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r});"
        "from config import env; from pathlib import Path;"
        f"assert env.dotenv_wanted(); env.read_dotenv(Path({str(tmp_path)!r}) / '.env');"
        "print(env.read_environment()['BASE_URL'])"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "DJANGO_ENV")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment
    )
    assert result.stdout.strip() == "https://from-dotenv.example.com", result.stderr


def test_the_admin_path_is_configurable():
    assert config_env.read_environment({"ADMIN_URL": "/staff-7f3k"})["ADMIN_URL"] == "staff-7f3k/"
    with pytest.raises(config_env.EnvironmentProblems, match="ADMIN_URL"):
        config_env.read_environment({"ADMIN_URL": "../x"})
    from django.conf import settings

    assert reverse("admin:index") == f"/{settings.ADMIN_URL}"


def settings_in_a_fresh_process(extra_env: dict, var_dir: Path) -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'db': s.DATABASES['default'].get('OPTIONS', {}),"
        "'broker': s.CELERY_BROKER_TRANSPORT_OPTIONS}, default=str))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(var_dir),
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_from_database_url_waits_for_the_write_lock(tmp_path):
    """Racing bookings on SQLite queue for the lock (then 409) instead of 'database is locked'."""
    found = settings_in_a_fresh_process(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, tmp_path
    )
    assert found["db"]["transaction_mode"] == "IMMEDIATE" and found["db"]["timeout"] >= 5


def test_the_development_broker_keeps_its_control_folder_under_var(tmp_path):
    """`make run` must not leave a control/ folder wherever the worker was started."""
    found = settings_in_a_fresh_process({}, tmp_path)
    assert found["broker"]["control_folder"].startswith(str(tmp_path))


class _Request:
    headers = [("REFERER", "https://book.example.com/feeds/secretfeedtoken.ics")]


class _Response:
    status = "200 OK"
    sent = 10
    headers: list = []


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        ("/booking/6f1e/cancel/?token=abc.def-ghi", "abc.def-ghi"),
        ("/feeds/Zx9_secret-feed-token.ics", "Zx9_secret-feed-token"),
        ("/accounts/activate/MTI/c4x1yz-0123456789abcdef/", "c4x1yz-0123456789abcdef"),
        ("/accounts/password-reset/MTI/c4x1yz-0123456789abcdef/", "c4x1yz-0123456789abcdef"),
        ("/api/v1/bookings/6f1e/cancel?token=abc&x=1", "abc"),
    ],
)
def test_access_logs_redact_tokens_in_paths_and_query_strings(raw, secret):
    assert secret not in redact(raw)
    assert "[redacted]" in redact(raw)
    path, _, query = raw.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": "https://book.example.com" + raw,
    }
    logger = RedactingLogger(Config())
    atoms = logger.atoms(_Response(), _Request(), environ, dt.timedelta(milliseconds=5))
    line = json.dumps(atoms)
    assert secret not in line and "secretfeedtoken" not in line
    assert atoms["m"] == "GET" and atoms["s"] == "200"


def test_gunicorn_is_configured_with_the_redacting_logger():
    config = (ROOT / "gunicorn.conf.py").read_text()
    assert 'logger_class = "config.access_log.RedactingLogger"' in config
    assert "%(U)s" not in config or "RedactingLogger" in config
    assert "/password-reset/sent/" == redact("/password-reset/sent/")


def test_gunicorn_workers_freeze_what_start_up_loaded_out_of_the_garbage_collector():
    """A full collection would otherwise walk every module and zone loaded at start-up."""
    import gc
    import runpy

    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
