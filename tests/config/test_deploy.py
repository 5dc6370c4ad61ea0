"""The deployment files keep their promises: compose, image, lock file, .dockerignore.

The compose rules are checked on `docker compose config` where Docker Compose is installed,
otherwise on the YAML itself (anchors and merge keys resolved by the YAML loader).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat", "caddy")
COMPOSE_ENV = {
    "SECRET_KEY": "k" * 50,
    "ALLOWED_HOSTS": "book.example.com",
    "BASE_URL": "https://book.example.com",
    "POSTGRES_PASSWORD": "p" * 20,
    "CALENDAR_TOKEN_KEYS": "Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLWtleS0wMDA=",
}


def env_example_names() -> list[str]:
    """The app's variables: everything above the compose-only section."""
    text = (ROOT / ".env.example").read_text().split("# ---- docker compose only")[0]
    return re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def compose_model() -> dict:
    """`docker compose config` (interpolated, merged) where the compose plugin is installed."""
    docker = shutil.which("docker")
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(Path.home()), **COMPOSE_ENV}
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True, env=env).returncode
        == 0
    ):
        result = subprocess.run(
            # A developer's own .env must not change what is checked.
            [
                docker,
                "compose",
                "-f",
                str(ROOT / "docker-compose.yml"),
                "--env-file",
                os.devnull,
                "config",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        return yaml.safe_load(result.stdout)
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose():
    return compose_model()


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_every_variable_of_env_example_reaches_every_app_container(compose):
    names = env_example_names()
    assert "RESEND_API_KEY" in names and "EMAIL_URL" in names
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        missing = [variable for variable in names if variable not in environment]
        assert not missing, f"{name} does not get {missing}"
        assert environment["DJANGO_ENV"] == "production"
        assert "console" not in str(environment["EMAIL_URL"])


def test_migrations_run_once_before_web_worker_and_beat(compose):
    services = compose["services"]
    assert "manage.py migrate" in command_of(services["migrate"])
    assert services["migrate"].get("restart", "no") == "no"
    for name in ("web", "worker", "beat"):
        assert "migrate" not in command_of(services[name])
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_services_restart_and_are_health_checked(compose):
    services = compose["services"]
    for name in LONG_RUNNING:
        assert services[name].get("restart") in ("always", "unless-stopped", "on-failure"), name
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "/readyz" in web_check or "/healthz" in web_check
    for name in ("postgres", "redis", "worker"):
        assert services[name]["healthcheck"]["test"], name


def test_beat_is_its_own_process_and_the_worker_embeds_none(compose):
    services = compose["services"]
    assert " beat" in command_of(services["beat"])
    worker = command_of(services["worker"])
    assert " worker" in worker and "--beat" not in worker and " -B" not in worker


def test_app_containers_do_not_run_as_root(compose):
    for name in APP_SERVICES:
        assert compose["services"][name].get("user") not in (None, "", "root", "0"), name
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")


def test_only_a_tls_proxy_is_published_and_it_proxies_to_gunicorn(compose):
    services = compose["services"]
    assert not services["web"].get("ports"), "gunicorn is reached through the proxy only"
    caddy = services["caddy"]
    published = " ".join(str(port) for port in caddy["ports"])
    assert "443" in published and "80" in published
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile and "{$BASE_URL}" in caddyfile
    assert any("Caddyfile" in str(volume) for volume in caddy["volumes"])


def test_the_image_has_production_defaults_pinned_dependencies_and_collected_static():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "DJANGO_ENV=production" in dockerfile
    assert "-c requirements.lock" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "DEBUG=true" not in dockerfile.replace(" ", "")
    lock = (ROOT / "requirements.lock").read_text()
    for package in ("django", "celery", "kombu", "redis", "gunicorn", "psycopg"):
        assert re.search(rf"^{package}==\S+", lock, flags=re.MULTILINE), package
    assert "-c requirements.lock" in (ROOT / "Makefile").read_text()


def test_the_image_never_bakes_in_a_local_env_file():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in lines
    assert "!.env.example" in lines or ".env.example" not in lines
