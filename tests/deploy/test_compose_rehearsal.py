"""Compose rehearsal: the README's deploy steps as a newcomer takes them, with no container engine.

What it runs is read from the project's own files, so a change there is rehearsed too:
- "the image": the build context copied with `.dockerignore` applied, and the Dockerfile's own
  build-time `collectstatic` line run in it with the environment that line gives;
- `.env` made the way README "Deploying with docker compose" step 2 says (`cp .env.example .env`,
  then the variables it names), interpolated into `x-app-environment` by compose's rules
  (`${VAR:-default}`, `${VAR:?error}`, nested defaults), plus the image's `ENV`;
- the `migrate` job's command, which must succeed before `web`, `worker` and `beat` start with
  their exact commands (gunicorn reads gunicorn.conf.py; beat is its own process), and the README's
  `createsuperuser`;
- Caddy (Debian's `caddy`) with the project's Caddyfile and BASE_URL: TLS from Caddy's local CA,
  whose root the client trusts, as the README's local trial says.
Then the newcomer's walk: /healthz and /readyz over HTTPS, the admin (at ADMIN_URL) logged in with
the superuser, onboarding, a booking through the public API, and its emails arriving at the SMTP
server through the worker; two visitors behind Caddy get rate limits of their own.

What it does not prove: the image build itself (base image, `pip install` from the lock file,
`useradd`, the non-root user and read-only root filesystem), the images of postgres, redis and
caddy, compose's own networking, health checks and restart policies. Compose's service names are
mapped to local ports ("the compose network's DNS": postgres:5432, redis:6379, mail:1025,
web:8000), the beat schedule's /tmp is the test's, and Caddy gets a global options block (free
HTTP port, no admin endpoint, no change to the system's trust store) in front of the project's
site block. The PostgreSQL cluster trusts local connections, so the password is not checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.header
import fnmatch
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import requests
import yaml

from tests.deploy.compose import interpolate, read_dotenv
from tests.faults.conftest import (
    PostgresServer,
    RedisServer,
    SmtpServer,
    free_port,
    wait_for,
)

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SUPERUSER = ("owner@example.com", "Correct-Horse-9-battery")


# ---- compose's rules, as far as this project's files use them ----------------------------------


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parents decides."""
    parts = relative.split("/")
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        pattern = pattern[3:] if pattern.startswith("**/") else pattern
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if not pattern.startswith("*") and "/" not in pattern:
            hit = any(
                candidate == pattern or fnmatch.fnmatch(candidate, pattern)
                for candidate in candidates
            )
        else:
            hit = any(fnmatch.fnmatch(part, pattern) for part in parts) or any(
                fnmatch.fnmatch(candidate, pattern) for candidate in candidates
            )
        if hit:
            ignored = not negate
    return ignored


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def copy_build_context(target: Path) -> None:
    """`COPY . .` of the Dockerfile: the build context less what .dockerignore names."""
    patterns = dockerignore_patterns()
    for folder, subfolders, files in os.walk(ROOT):
        relative_folder = Path(folder).relative_to(ROOT)
        subfolders[:] = [
            name
            for name in subfolders
            if not dockerignored((relative_folder / name).as_posix(), patterns)
        ]
        for name in files:
            relative = (relative_folder / name).as_posix()
            if not dockerignored(relative, patterns):
                (target / relative_folder).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(folder) / name, target / relative)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def image_environment() -> dict[str, str]:
    """The Dockerfile's ENV lines (KEY=VALUE form)."""
    env = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            env.update(dict(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", rest)))
    return env


def build_time_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The variables and command of the RUN step that collects static files."""
    for keyword, rest in dockerfile_instructions():
        if keyword == "RUN" and "collectstatic" in rest:
            step = next(part for part in rest.split("&&") if "collectstatic" in part).split()
            assignments = [word for word in step if re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", word)]
            command = step[len(assignments) :]
            return dict(word.split("=", 1) for word in assignments), command
    raise AssertionError("the Dockerfile collects no static files")


def executable(command: list[str]) -> list[str]:
    """The image's PATH: python, gunicorn and celery are this virtualenv's."""
    first = {"python": sys.executable}.get(command[0], str(BIN / command[0]))
    assert Path(first).exists(), f"{command[0]} is not installed"
    return [first, *command[1:]]


# ---- the newcomer's .env -----------------------------------------------------------------------


# README "Deploying with docker compose", step 2, as a newcomer fills it in. (The test checks that
# the README names each of them.)
def newcomer_dotenv(app: Path, caddy_port: int) -> dict[str, str]:
    shutil.copy(ROOT / ".env.example", app.parent / ".env")
    chosen = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CALENDAR_TOKEN_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "localhost",
        "BASE_URL": f"https://localhost:{caddy_port}",
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "DEFAULT_FROM_EMAIL": "Slotbook <bookings@localhost>",
        "EMAIL_URL": "smtp://mail:1025",
        "ADMIN_URL": f"staff-{secrets.token_hex(3)}/",
        # An operator's tuning, low enough to see two visitors counted apart behind Caddy.
        "RATELIMIT_BOOKING_PER_IP": "2/h",
    }
    env_file = app.parent / ".env"
    text = env_file.read_text()
    for name, value in chosen.items():
        text, found = re.subn(rf"^#?\s*{name}=.*$", f"{name}={value}", text, flags=re.MULTILINE)
        assert found == 1, f"{name} is not in .env.example"
    env_file.write_text(text)
    return read_dotenv(env_file)


class Rehearsal:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.app = workdir / "app"
        self.app.mkdir()
        self.compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        self.database = PostgresServer(workdir)
        self.redis = RedisServer(workdir)
        self.smtp = SmtpServer()
        self.web_port = free_port()
        self.caddy_port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.dotenv: dict[str, str] = {}

    @property
    def dns(self) -> dict[str, str]:
        return {
            "postgres:5432": f"127.0.0.1:{self.database.port}",
            "redis:6379": f"127.0.0.1:{self.redis.port}",
            "mail:1025": f"127.0.0.1:{self.smtp.port}",
            "web:8000": f"127.0.0.1:{self.web_port}",
        }

    def resolve(self, value: str) -> str:
        for name, address in self.dns.items():
            value = value.replace(f"@{name}/", f"@{address}/").replace(f"//{name}", f"//{address}")
            value = value.replace(f" {name}", f" {address}")
        return value.replace("/tmp/", f"{self.workdir}/tmp/")

    def service_environment(self, service: str) -> dict[str, str]:
        declared = self.compose["services"][service]["environment"]
        environment = {
            name: self.resolve(interpolate(str(value), self.dotenv))
            for name, value in declared.items()
        }
        return {
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            **image_environment(),
            **environment,
            "VAR_DIR": str(self.workdir / "tmp" / "var"),
        }

    def command(self, service: str) -> list[str]:
        words = self.compose["services"][service]["command"]
        return executable([self.resolve(word) for word in words])

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command,
            cwd=self.app,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def run(self, name: str, command: list[str], env: dict[str, str]) -> None:
        process = self.start(name, command, env)
        assert process.wait(timeout=300) == 0, f"{name} failed:\n{self.log(name)[-4000:]}"

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def caddyfile(self) -> Path:
        project = (ROOT / "deploy" / "Caddyfile").read_text()
        test_options = f"{{\n\thttp_port {free_port()}\n\tadmin off\n\tskip_install_trust\n}}\n"
        path = self.workdir / "Caddyfile"
        path.write_text(test_options + self.resolve(project))
        return path

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, 9)
                process.wait()
        self.smtp.stop()
        self.redis.stop()
        try:
            self.database.stop()
        except subprocess.CalledProcessError:
            pass


@pytest.fixture
def rehearsal():
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (scripts/with-test-services installs Debian's caddy)")
    workdir = Path(tempfile.mkdtemp(prefix="slotbook-rehearsal-"))
    workdir.chmod(0o755)
    (workdir / "tmp").mkdir()
    stage = Rehearsal(workdir)
    try:
        yield stage
    finally:
        stage.stop()
        if os.environ.get("KEEP_REHEARSAL"):
            print(f"rehearsal left in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def deploy_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Deploying with docker compose")[1].split("\n## ")[0]


def test_the_readme_deploy_steps_bring_up_tls_admin_and_mail(rehearsal):
    stage = rehearsal
    readme = deploy_section()
    assert "cp .env.example .env" in readme

    # The image: build context, then the Dockerfile's own collectstatic step.
    copy_build_context(stage.app)
    assert not (stage.app / ".env").exists()
    variables, command = build_time_collectstatic()
    stage.run(
        "collectstatic",
        executable(command),
        {"PATH": f"{BIN}:/usr/bin:/bin", **image_environment(), **variables},
    )
    assert (stage.app / "staticfiles" / "staticfiles.json").exists()

    # Step 2: .env; every variable the newcomer sets is one the README names.
    stage.dotenv = newcomer_dotenv(stage.app, stage.caddy_port)
    for name in (
        "SECRET_KEY",
        "CALENDAR_TOKEN_KEYS",
        "ALLOWED_HOSTS",
        "BASE_URL",
        "POSTGRES_PASSWORD",
        "DEFAULT_FROM_EMAIL",
        "EMAIL_URL",
        "ADMIN_URL",
    ):
        assert f"`{name}" in readme, f"README step 2 does not name {name}"

    # Step 3: `docker compose up`: servers, then migrate, then web, worker, beat, Caddy.
    stage.database.start()
    with psycopg.connect(
        stage.database.url.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE slotbook")
    stage.redis.start()
    stage.smtp.start()
    services = stage.compose["services"]
    assert services["migrate"]["restart"] == "no"
    stage.run("migrate", stage.command("migrate"), stage.service_environment("migrate"))

    web_env = {
        **stage.service_environment("web"),
        # The container's port 8000, as the compose network's DNS maps `web:8000`.
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{stage.web_port}",
    }
    stage.start("web", stage.command("web"), web_env)
    worker = stage.start("worker", stage.command("worker"), stage.service_environment("worker"))
    beat = stage.start("beat", stage.command("beat"), stage.service_environment("beat"))
    caddy_env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(stage.workdir),
        "XDG_DATA_HOME": str(stage.workdir / "caddy-data"),
        "XDG_CONFIG_HOME": str(stage.workdir / "caddy-config"),
        **{
            name: interpolate(str(value), stage.dotenv)
            for name, value in services["caddy"]["environment"].items()
        },
    }
    caddy_command = ["caddy", "run", "--config", str(stage.caddyfile()), "--adapter", "caddyfile"]
    stage.start("caddy", caddy_command, caddy_env)

    # Step 4: the superuser the README says to create.
    owner_email, password = SUPERUSER
    stage.run(
        "createsuperuser",
        executable(["python", "manage.py", "createsuperuser", "--noinput"]),
        {
            **stage.service_environment("web"),
            "DJANGO_SUPERUSER_EMAIL": owner_email,
            "DJANGO_SUPERUSER_PASSWORD": password,
        },
    )

    # The newcomer's walk, over HTTPS through Caddy, trusting its local CA's root.
    base = stage.dotenv["BASE_URL"]
    root_cert = stage.workdir / "caddy-data/caddy/pki/authorities/local/root.crt"

    def answers() -> bool:
        if not root_cert.exists():
            return False
        try:
            return requests.get(f"{base}/healthz", verify=str(root_cert), timeout=5).ok
        except requests.RequestException:
            return False

    wait_for(answers, 60, f"{base}/healthz through Caddy\n{stage.log('caddy')[-2000:]}")
    browser = requests.Session()
    browser.trust_env = False  # the machine's CA bundle variables would replace Caddy's root
    browser.verify = str(root_cert)
    ready = browser.get(f"{base}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert browser.get(f"http://localhost:{stage.caddy_port}/healthz").status_code == 400, (
        "Caddy speaks TLS only on the site's port"
    )

    admin = f"{base}/{stage.dotenv['ADMIN_URL']}"
    assert browser.get(f"{base}/admin/").status_code == 404, "the admin moved to ADMIN_URL"
    login = browser.get(f"{admin}login/")
    assert login.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    answer = browser.post(
        f"{admin}login/?next=/{stage.dotenv['ADMIN_URL']}",
        data={
            "csrfmiddlewaretoken": token,
            "username": owner_email,
            "password": password,
            "next": f"/{stage.dotenv['ADMIN_URL']}",
        },
        headers={"Referer": f"{admin}login/"},
    )
    assert answer.status_code == 200 and "Site administration" in answer.text, answer.text[:500]
    assert answer.url == admin

    # The same account sets up its booking page (README step 4), then a guest books.
    page = browser.get(f"{base}/dashboard/onboarding/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    onboarded = browser.post(
        f"{base}/dashboard/onboarding/",
        data={
            "csrfmiddlewaretoken": token,
            "display_name": "Owner",
            "handle": "owner",
            "timezone": "UTC",
        },
        headers={"Referer": f"{base}/dashboard/onboarding/"},
        allow_redirects=False,
    )
    assert onboarded.status_code == 302, onboarded.text[:500]

    def visitor(source: str) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.verify = str(root_cert)
        adapter = requests.adapters.HTTPAdapter()
        adapter.init_poolmanager(1, 1, source_address=(source, 0))
        session.mount("https://", adapter)
        return session

    start = dt.date.today() + dt.timedelta(days=1)
    first, second = visitor("127.0.0.2"), visitor("127.0.0.3")
    slots = first.get(
        f"{base}/api/v1/owner/30min/slots",
        params={
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=7)).isoformat(),
            "timezone": "UTC",
        },
    ).json()["slots"]

    def book(session, slot, guest):
        return session.post(
            f"{base}/api/v1/owner/30min/bookings",
            json={
                "start": slot["start"],
                "name": guest.title(),
                "email": f"{guest}@example.org",
                "timezone": "UTC",
                "notes": "",
            },
        )

    booked = book(first, slots[0], "grace")
    assert booked.status_code == 201, booked.text
    # RATELIMIT_BOOKING_PER_IP=2/h: the first visitor uses up its two; the second, behind the
    # same Caddy, still books (TRUSTED_PROXY_COUNT: Caddy's X-Forwarded-For names the visitor).
    assert book(first, slots[1], "ada").status_code == 201
    assert book(first, slots[2], "alan").status_code == 429
    assert book(second, slots[3], "edsger").status_code == 201

    # Mail: the worker sends the guest's confirmation and the host's notice.
    def arrived() -> set:
        return {tuple(item["to"]) for item in stage.smtp.handler.accepted}

    wait_for(
        lambda: ("grace@example.org",) in arrived() and ("owner@example.com",) in arrived(),
        60,
        f"the booking's emails\n{stage.log('worker')[-3000:]}",
    )
    subjects = [
        str(email.header.make_header(email.header.decode_header(item["subject"])))
        for item in stage.smtp.handler.accepted
        if item["to"] == ["grace@example.org"]
    ]
    assert subjects and subjects[0].startswith("Confirmed"), subjects
    # Beat runs as its own process: a minute after its start it sends the outbox sweeper.
    wait_for(
        lambda: "Sending due task every-minute-requeue-stalled-emails" in stage.log("beat"),
        90,
        "beat to send its first tasks",
    )
    wait_for(lambda: "requeue_stalled_emails" in stage.log("worker"), 30, "the worker to run it")
    assert worker.poll() is None and beat.poll() is None
    assert "beat" not in " ".join(services["worker"]["command"])
    # The access log is gunicorn.conf.py's (tokens redacted), on the web's stdout.
    wait_for(lambda: "/api/v1/owner/30min/bookings" in stage.log("web"), 10, "the access log")
    assert "[redacted]" in stage.log("web")
