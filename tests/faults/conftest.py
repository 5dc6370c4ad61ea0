"""The fault suite's own servers: PostgreSQL, Redis, an SMTP server, and Celery processes.

Every server here is started by the suite on a free port and belongs to it alone, so stopping
one never disturbs the shared servers of the rest of the run. The worker and beat are real
`celery` subprocesses with production settings, the clocks turned down (tests/faults/settings.py).
The SMTP server (aiosmtpd) records each accepted message's Message-ID: that is where "every
email delivered once" is counted.
"""

from __future__ import annotations

import asyncio
import email
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# aiosmtpd logs every SMTP command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A redis-server that can be stopped and started again on the same port."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, 10, "redis to start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Gone at once, and with it everything queued (no persistence): the harsh case."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class PostgresServer:
    """A throwaway PostgreSQL cluster (as the postgres user when we are root)."""

    def __init__(self, workdir: Path):
        self.datadir = workdir / "pg"
        self.port = free_port()
        pg_ctl = (
            shutil.which("pg_ctl") or sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
        )
        self.bindir = Path(os.path.realpath(pg_ctl)).parent
        self.as_pg: list[str] = []
        if os.geteuid() == 0:
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.datadir.mkdir()
        if self.as_pg:
            shutil.chown(self.datadir, "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", "slotbook", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_pg, str(self.bindir / tool), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        return f"postgres://slotbook@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(self.datadir / "log"),
            "-w",
            "start",
            "-o",
            options,
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")


class SmtpHandler:
    """Accepts, refuses (451) or answers slowly; records what it accepted."""

    def __init__(self):
        self.accepted: list[dict] = []
        self.mode = "accept"
        self.slow_seconds = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "refuse":
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.accepted.append(
                {
                    "message_id": message["Message-ID"],
                    "to": envelope.rcpt_tos,
                    "subject": message["Subject"],
                }
            )
        if self.slow_seconds:
            # Recorded first: the server "has" the message while the client still waits.
            await asyncio.sleep(self.slow_seconds)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [item["message_id"] for item in self.accepted]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.handler = SmtpHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class CeleryProcess:
    """`celery -A config worker|beat` in its own process group, output to a log file."""

    def __init__(self, kind: str, env: dict[str, str], workdir: Path, name: str):
        self.log_path = workdir / f"{name}.log"
        if kind == "worker":
            args = [
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "-n",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ]
        else:
            args = ["beat", "--schedule", str(workdir / f"{name}-schedule"), "--loglevel", "INFO"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "config", *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """kill -9 of the worker and its pool children, mid-whatever."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Stack:
    """What one fault test runs: its Redis, its SMTP server, a worker, beat, load."""

    def __init__(self, workdir: Path, database: PostgresServer):
        self.workdir = workdir
        self.database = database
        self.redis = RedisServer(workdir)
        self.smtp = SmtpServer()
        self.processes: list[CeleryProcess] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "DJANGO_ENV": "test",
            "DATABASE_URL": database.url,
            "REDIS_URL": self.redis.url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "VAR_DIR": str(workdir / "var"),
            "PYTHONPATH": str(ROOT),
        }

    def start_worker(self) -> CeleryProcess:
        worker = CeleryProcess("worker", self.env, self.workdir, f"worker{len(self.processes)}")
        self.processes.append(worker)
        return worker

    def start_beat(self) -> CeleryProcess:
        beat = CeleryProcess("beat", self.env, self.workdir, "beat")
        self.processes.append(beat)
        return beat

    def load(self, handle: str, count: int, pause: float = 0.0) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.faults.driver", handle, str(count), str(pause)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def book(self, handle: str, count: int) -> dict:
        driver = self.load(handle, count)
        out, err = driver.communicate(timeout=120)
        assert driver.returncode == 0, err
        result = json.loads(out.strip().splitlines()[-1])
        assert result["made"] == count
        return result

    def query(self, sql: str, params: list) -> list[tuple]:
        with psycopg.connect(self.database.url.replace("postgres://", "postgresql://")) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def bookings(self, handle: str) -> int:
        return self.query(
            "SELECT count(*) FROM bookings_booking b JOIN accounts_user u ON u.id = b.host_id "
            "WHERE u.handle = %s",
            [handle],
        )[0][0]

    def deliveries(self, handle: str) -> list[tuple[str, str]]:
        """(key, status) of every email about HANDLE's bookings."""
        rows = self.query(
            "SELECT d.key, d.status FROM notifications_emaildelivery d "
            "JOIN bookings_booking b ON b.id = d.booking_id "
            "JOIN accounts_user u ON u.id = b.host_id WHERE u.handle = %s",
            [handle],
        )
        return [(key, status) for key, status in rows]

    def close(self) -> None:
        for process in self.processes:
            process.kill()
        self.smtp.stop()
        self.redis.stop()


@pytest.fixture(scope="session")
def fault_database():
    workdir = Path(tempfile.mkdtemp(prefix="slotbook-faults-"))
    workdir.chmod(0o755)
    database = PostgresServer(workdir)
    database.start()
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            env={
                **os.environ,
                "DJANGO_ENV": "test",
                "DATABASE_URL": database.url,
                "VAR_DIR": str(workdir / "var"),
            },
        )
        yield database
    finally:
        try:
            database.stop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def stack(fault_database, request):
    workdir = Path(tempfile.mkdtemp(prefix="slotbook-fault-stack-"))
    stack = Stack(workdir, fault_database)
    # Each test starts from no users, bookings or emails: a sweeper must not find another
    # test's leftovers.
    stack.query("TRUNCATE accounts_user CASCADE", [])
    stack.redis.start()
    stack.smtp.start()
    yield stack
    stack.close()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for process in stack.processes:
            sys.stderr.write(f"--- {process.log_path.name}\n{process.log()[-6000:]}\n")
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
