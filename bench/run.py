"""Slot listing and booking over HTTP, Slotbook beside a peer, on one PostgreSQL server.

`make bench` runs this under scripts/with-test-services (a throwaway PostgreSQL and Redis).
It builds two databases on that server, fills both with the scenario of bench/scenario.py,
serves Slotbook with gunicorn (production settings, DEBUG off) and the peer, django-appointment
from PyPI, with gunicorn from a bench-only virtualenv (var/bench-peer-venv, made here on first
use), then times requests from this process with a fresh HTTP connection each, rounds
interleaved so that noise from the shared machine falls on every target alike.
Prints a Markdown table (medians, p95, ratios, query counts, goals met or missed) and writes
it with the raw timings under var/bench/.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import datetime as dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import psycopg  # noqa: E402
import scenario  # noqa: E402

PEER_PACKAGE = "django-appointment==3.12.0"
PEER_VENV = ROOT / "var" / "bench-peer-venv"
OUT = ROOT / "var" / "bench"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
WARMUP = 10
PEER_EVERY = 5  # a peer month (31 requests) every this many rounds
POSTS = 100
POST_WARMUP = 5
ZONE = ZoneInfo(scenario.ZONE)
VENV_PYTHON = Path(sys.executable)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _recreate_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def _run(args: list, env: dict, *, capture: bool = False) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        env=env,
        cwd=ROOT,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def _ensure_peer_venv() -> str:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {PEER_VENV.relative_to(ROOT)} with {PEER_PACKAGE}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    installed = subprocess.run(
        [str(python), "-m", "pip", "show", "django-appointment"], capture_output=True, text=True
    )
    if PEER_PACKAGE.split("==")[1] not in installed.stdout:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", PEER_PACKAGE],
            check=True,
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "psycopg[binary]", "gunicorn"],
            check=True,
        )
    return PEER_PACKAGE


class Server:
    """A gunicorn serving one WSGI app on a free local port; stopped by its own process id."""

    def __init__(self, gunicorn: Path, app: str, env: dict, extra: list[str], log: Path):
        self.port = _free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{self.port}", *extra, app],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {log}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def request(
    port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None
) -> tuple[float, bytes]:
    """One request on a fresh connection; milliseconds until the whole body has arrived."""
    payload = json.dumps(body).encode() if body is not None else None
    headers = dict(headers or {})
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status not in (200, 201):
        raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
    return elapsed, data


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def _cpu_ms(pids: list[int]) -> dict[int, float]:
    """CPU time so far of each process still alive, by pid."""
    spent = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        spent[pid] = (int(fields[11]) + int(fields[12])) * _TICK_MS  # utime + stime
    return spent


class CpuMeter:
    """CPU time spent by a server's gunicorn worker and by PostgreSQL's processes: what a
    request costs, whatever else the shared machine is doing (wall time is not)."""

    def __init__(self, server: Server, postmaster: int):
        self.server, self.postmaster = server, postmaster

    def pids(self) -> list[int]:
        return [*_children(self.server.process.pid), *_children(self.postmaster)]

    def per_request(self, action, count: int) -> float:
        pids = self.pids()
        before = _cpu_ms(pids)
        for _ in range(count):
            action()
        after = _cpu_ms(pids)
        # A process that exited meanwhile (an autovacuum worker) counts for neither reading.
        return sum(after[pid] - before[pid] for pid in after if pid in before) / count


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model or platform.processor()}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, load average {load}"
    )


def main() -> None:
    base_url = os.environ["DATABASE_URL"]
    OUT.mkdir(parents=True, exist_ok=True)
    peer_version = _ensure_peer_venv()
    ours_url = _database_url(base_url, "slotbook_bench")
    peer_url = _database_url(base_url, "peer_bench")
    _recreate_database(base_url, "slotbook_bench")
    _recreate_database(base_url, "peer_bench")
    with psycopg.connect(base_url) as probe:
        pg_version = probe.execute("SHOW server_version").fetchone()[0]
        backend = probe.execute("SELECT pg_backend_pid()").fetchone()[0]
    postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])

    ours_env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": ours_url,
        "LOG_LEVEL": "WARNING",
        # Required in production; the bench sends no mail and connects no calendar.
        "CALENDAR_TOKEN_KEYS": "YmVuY2gtb25seS1rZXktbm90LWEtc2VjcmV0LTAxMjM=",
        "EMAIL_URL": "dummymail://",
        # No TLS proxy in front here; the limits stay on (their Redis round trips are part of
        # what a guest meets) but are raised so one client may drive the whole run.
        "SECURE_SSL_REDIRECT": "false",
        "RATELIMIT_BOOKING_PER_IP": "100000/h",
        "RATELIMIT_BOOKING_PER_EMAIL": "100000/h",
        "RATELIMIT_SLOTS_PER_IP": "100000/m",
        "RATELIMIT_PAGES_PER_IP": "100000/m",
        "RATELIMIT_PUBLIC_POST_PER_IP": "100000/m",
    }
    peer_env = {
        **os.environ,
        "PEER_DATABASE_URL": peer_url,
        "DJANGO_SETTINGS_MODULE": "peer.settings",
        "PYTHONPATH": f"{ROOT / 'bench'}:{OUT}",
    }
    print("Seeding Slotbook (3 hosts) and the peer (1 staff member)...", flush=True)
    _run([VENV_PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], ours_env)
    _run([VENV_PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], ours_env)
    _run([VENV_PYTHON, "bench/slotbook_side.py", "seed"], ours_env)
    counted = _run([VENV_PYTHON, "bench/slotbook_side.py", "queries"], ours_env, capture=True)
    queries = json.loads(counted)
    peer_python = PEER_VENV / "bin" / "python"
    # The peer ships no migrations: make them in var/bench (see bench/peer/settings.py).
    migrations = OUT / "peer_migrations" / "appointment"
    migrations.mkdir(parents=True, exist_ok=True)
    for package in (migrations.parent, migrations):
        (package / "__init__.py").touch()
    _run([peer_python, "-m", "django", "makemigrations", "appointment", "-v", "0"], peer_env)
    _run([peer_python, "-m", "django", "migrate", "--noinput", "-v", "0"], peer_env)
    seeded = _run([peer_python, "bench/peer/peer_side.py", "seed"], peer_env, capture=True)
    peer_ids = json.loads(seeded)

    ours = Server(
        VENV_PYTHON.parent / "gunicorn", "config.wsgi:application", ours_env, [], OUT / "ours.log"
    )
    # gunicorn reads ./gunicorn.conf.py by default: that file is Slotbook's, not the peer's.
    peer_config = OUT / "peer_gunicorn.conf.py"
    peer_config.write_text("# the peer runs on gunicorn's defaults\n")
    peer = Server(
        PEER_VENV / "bin" / "gunicorn",
        "django.core.wsgi:get_wsgi_application()",
        peer_env,
        ["--config", str(peer_config), "--pythonpath", f"{ROOT / 'bench'},{OUT}"],
        OUT / "peer.log",
    )
    try:
        with psycopg.connect(ours_url, autocommit=True) as ours_db:
            results, cpu = measure(ours, peer, peer_ids, postmaster, ours_db)
    finally:
        ours.stop()
        peer.stop()
    report = render(results, cpu, queries, pg_version, peer_version)
    print(report)
    (OUT / "results.md").write_text(report)
    (OUT / "timings.json").write_text(json.dumps(results))


def measure(ours_server: Server, peer_server: Server, peer_ids: dict, postmaster: int, ours_db):
    ours, peer = ours_server.port, peer_server.port
    today = dt.datetime.now(ZONE).date()
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    month_end = (next_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)

    def slots(handle: str, first: dt.date, last: dt.date) -> str:
        query = urlencode({"start": first.isoformat(), "end": last.isoformat()})
        return f"/api/v1/{handle}/intro/slots?{query}"

    targets = {
        "empty api31": slots("empty", today, today + dt.timedelta(days=30)),
        "fresh api31": slots("fresh", today, today + dt.timedelta(days=30)),
        "aged api31": slots("aged", today, today + dt.timedelta(days=30)),
        "empty api62": slots("empty", today, today + dt.timedelta(days=61)),
        "aged api62": slots("aged", today, today + dt.timedelta(days=61)),
        "aged api month": slots("aged", next_month, month_end),
        "aged page month": "/aged/intro/?"
        + urlencode({"tz": scenario.ZONE, "month": f"{next_month:%Y-%m}"}),
    }
    # The first request after a change (a booking, a synced block): slots are computed, not
    # reused. The host is restamped just before each of these requests, outside the timing.
    after_change = {
        "empty api31 changed": ("empty", targets["empty api31"]),
        "aged api31 changed": ("aged", targets["aged api31"]),
    }

    def changed(handle: str, path: str) -> float:
        ours_db.execute(scenario.RESTAMP, [handle])
        return request(ours, "GET", path)[0]

    peer_days = [today + dt.timedelta(days=offset) for offset in range(31)]

    def peer_day(day: dt.date) -> float:
        query = urlencode(
            {
                "selected_date": day.isoformat(),
                "staff_member": peer_ids["staff_member"],
                "service_id": peer_ids["service"],
            }
        )
        # The peer's page asks for one day at a time, as an XMLHttpRequest.
        return request(
            peer,
            "GET",
            f"/appointment/ajax/available_slots/?{query}",
            headers={"X-Requested-With": "XMLHttpRequest"},
        )[0]

    results: dict[str, list[float]] = {name: [] for name in [*targets, *after_change]}
    results["peer month (31 day requests)"] = []
    results["peer one day"] = []
    for round_number in range(WARMUP + ROUNDS):
        for name, path in targets.items():
            elapsed, _ = request(ours, "GET", path)
            if round_number >= WARMUP:
                results[name].append(elapsed)
        if round_number % PEER_EVERY == 0:
            days = [peer_day(day) for day in peer_days]
            if round_number >= WARMUP:
                results["peer month (31 day requests)"].append(sum(days))
                results["peer one day"].extend(days)

    # Booking: POST free starts far ahead (each one is then taken), one at a time.
    far = today + dt.timedelta(days=300)
    _, body = request(ours, "GET", slots("aged", far, far + dt.timedelta(days=61)))
    # Warm-up POSTs first, not counted, as every other target has its warm-up rounds.
    free = [slot["start"] for slot in json.loads(body)["slots"]][: POST_WARMUP + POSTS]
    results["aged booking POST"] = []
    for number, start in enumerate(free):
        elapsed, _ = request(
            ours,
            "POST",
            "/api/v1/aged/intro/bookings",
            {
                "start": start,
                "name": f"Bench guest {number}",
                "email": f"bench{number}@example.com",
                "timezone": scenario.ZONE,
            },
        )
        if number >= POST_WARMUP:
            results["aged booking POST"].append(elapsed)

    # After a change, in a phase of its own: restamping a host makes every request for it
    # compute afresh, so interleaved with the rounds above it would turn theirs into that too.
    for round_number in range(WARMUP + ROUNDS):
        for name, (handle, path) in after_change.items():
            elapsed = changed(handle, path)
            if round_number >= WARMUP:
                results[name].append(elapsed)

    # CPU per request, each target in a batch of its own.
    cpu: dict[str, float] = {}
    ours_meter, peer_meter = CpuMeter(ours_server, postmaster), CpuMeter(peer_server, postmaster)
    for name, path in targets.items():
        cpu[name] = ours_meter.per_request(lambda path=path: request(ours, "GET", path), 100)
    for name, (handle, path) in after_change.items():
        # Includes the restamping UPDATE's few microseconds of database time.
        cpu[name] = ours_meter.per_request(lambda h=handle, p=path: changed(h, p), 100)
    cpu["peer one day"] = peer_meter.per_request(lambda: [peer_day(d) for d in peer_days], 5) / 31
    cpu["peer month (31 day requests)"] = cpu["peer one day"] * 31
    return results, cpu


def render(results, cpu, queries, pg_version: str, peer_version: str) -> str:
    median = {name: statistics.median(values) for name, values in results.items()}
    tail = {name: p95(values) for name, values in results.items()}
    rows = [
        ("31 days, 0 bookings (N = 0)", "empty api31", queries.get("empty:api31")),
        ("31 days, 2,000 future + 500 blocks", "fresh api31", queries.get("fresh:api31")),
        ("31 days, + 18,000 past (N = 20,000)", "aged api31", queries.get("aged:api31")),
        (
            "31 days, N = 0, first request after a change",
            "empty api31 changed",
            queries.get("empty:api31 changed"),
        ),
        (
            "31 days, N = 20,000, first request after a change",
            "aged api31 changed",
            queries.get("aged:api31 changed"),
        ),
        ("62 days, N = 0", "empty api62", queries.get("empty:api62")),
        ("62 days, N = 20,000", "aged api62", queries.get("aged:api62")),
        ("API, next calendar month, N = 20,000", "aged api month", None),
        ("event page, same month, N = 20,000", "aged page month", queries.get("aged:page")),
        ("booking POST (API), N = 20,000", "aged booking POST", None),
        ("peer: one day request", "peer one day", None),
        ("peer: 31 day requests (a month)", "peer month (31 day requests)", None),
    ]
    lines = [
        f"Machine: {machine()}; PostgreSQL {pg_version} (fsync off); gunicorn, 1 sync worker "
        f"each; a fresh HTTP connection per request; {ROUNDS} rounds after {WARMUP} warm-up "
        f"(peer months: every {PEER_EVERY}th round); peer {peer_version}.",
        "",
        "| request | median ms | p95 ms | samples | queries | CPU ms (server + database) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, key, count in rows:
        queries_cell = "" if count is None else str(count)
        cpu_cell = f"{cpu[key]:.2f}" if key in cpu else ""
        lines.append(
            f"| {label} | {median[key]:.2f} | {tail[key]:.2f} | {len(results[key])} | "
            f"{queries_cell} | {cpu_cell} |"
        )
    aged = median["aged api31"]
    checks = [
        ("31 days, N = 20,000: median <= 7 ms", aged, aged <= 7),
        ("31 days, N = 20,000: p95 <= 12 ms", tail["aged api31"], tail["aged api31"] <= 12),
        (
            "62 days <= 1.5 x 31 days (median ratio)",
            median["aged api62"] / aged,
            median["aged api62"] / aged <= 1.5,
        ),
        (
            "N = 20,000 within 1.2 x of N = 0 (31 days, median ratio)",
            aged / median["empty api31"],
            aged / median["empty api31"] <= 1.2,
        ),
        (
            "history alone: N = 20,000 / 2,000 future (31 days, median ratio)",
            aged / median["fresh api31"],
            aged / median["fresh api31"] <= 1.2,
        ),
        (
            "after a change: N = 20,000 within 1.2 x of N = 0 (31 days, median ratio)",
            median["aged api31 changed"] / median["empty api31 changed"],
            median["aged api31 changed"] / median["empty api31 changed"] <= 1.2,
        ),
        (
            "queries per slots request <= 5 and equal for every N (reused and after a change)",
            max(queries.values()),
            max(queries.values()) <= 5
            and all(
                len({queries[f"{h}:{name}"] for h in ("empty", "fresh", "aged")}) == 1
                for name in ("api31", "api31 changed")
            ),
        ),
        (
            "event page <= 1.5 x API, same month (median ratio)",
            median["aged page month"] / median["aged api month"],
            median["aged page month"] / median["aged api month"] <= 1.5,
        ),
        (
            "booking POST p95 <= 25 ms",
            tail["aged booking POST"],
            tail["aged booking POST"] <= 25,
        ),
        (
            "month view >= 50 x faster than the peer's 31 day requests (median ratio)",
            median["peer month (31 day requests)"] / aged,
            median["peer month (31 day requests)"] / aged >= 50,
        ),
    ]
    lines += ["", "| goal | measured | |", "| --- | ---: | --- |"]
    for label, value, met in checks:
        lines.append(f"| {label} | {value:.2f} | {'met' if met else 'MISSED'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
