"""Abuse load test: a normal guest keeps booking while an abusive client is throttled, and the
limits still hold with Redis stopped midway. Loopback only, bounded in time, stops by itself.

Run through the throwaway services (PostgreSQL is used from DATABASE_URL; this script starts
its own Redis so it can stop it):

    ./scripts/with-test-services .venv/bin/python bench/abuse.py [--seconds 40]

The script plays the TLS proxy: it connects to gunicorn on 127.0.0.1 and appends each
simulated client's address to X-Forwarded-For (TRUSTED_PROXY_COUNT=1). The abusive client also
puts forged addresses in front, which must not help it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUEST_IP = "203.0.113.10"
ABUSER_IP = "198.51.100.66"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("a service did not start in time")


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        # (who, phase) -> list of (status, seconds)
        self.results: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        self.phase = "redis up"

    def add(self, who: str, status: int, seconds: float) -> None:
        with self.lock:
            self.results[(who, self.phase)].append((status, seconds))


def request(base, path, *, client_ip, forged="", body=None, timeout=10.0):
    forwarded = f"{forged}, {client_ip}" if forged else client_ip
    headers = {"X-Forwarded-For": forwarded}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        payload = error.read()
        status = error.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        payload, status = b"", 599
    return status, time.perf_counter() - started, payload


def free_starts(base, client_ip):
    status, _, payload = request(
        base, "/api/v1/bench/quick/slots?timezone=UTC", client_ip=client_ip
    )
    if status != 200:
        return status, []
    return status, [slot["start"] for slot in json.loads(payload)["slots"]]


def normal_guest(base, recorder, stop, pause):
    n = 0
    while not stop.is_set():
        status, seconds, _ = request(
            base, "/api/v1/bench/quick/slots?timezone=UTC", client_ip=GUEST_IP
        )
        recorder.add("guest slots", status, seconds)
        _, starts = free_starts(base, GUEST_IP) if status == 200 else (status, [])
        if starts:
            n += 1
            body = {
                "start": random.choice(starts[: max(1, len(starts) // 2)]),
                "name": "Normal Guest",
                "email": f"colleague{n}@guest.example",
                "timezone": "UTC",
            }
            status, seconds, _ = request(
                base, "/api/v1/bench/quick/bookings", client_ip=GUEST_IP, body=body
            )
            recorder.add("guest bookings", status, seconds)
        stop.wait(pause)


def abuser(base, recorder, stop, starts):
    while not stop.is_set():
        forged = ".".join(str(random.randint(1, 254)) for _ in range(4))
        if random.random() < 0.5:
            status, seconds, _ = request(
                base, "/api/v1/bench/quick/slots", client_ip=ABUSER_IP, forged=forged
            )
            recorder.add("abuser slots", status, seconds)
        else:
            body = {
                "start": random.choice(starts),
                "name": "Bot",
                "email": f"victim{random.randint(0, 10**9)}@target.example",
                "timezone": "UTC",
            }
            status, seconds, _ = request(
                base, "/api/v1/bench/quick/bookings", client_ip=ABUSER_IP, forged=forged, body=body
            )
            recorder.add("abuser bookings", status, seconds)


def summarize(recorder: Recorder) -> str:
    lines = [
        "| client | phase | requests | 2xx | 409 | 429 | 5xx | p50 ms | p95 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (who, phase), rows in sorted(recorder.results.items()):
        statuses = [status for status, _ in rows]
        times = sorted(seconds * 1000 for _, seconds in rows)
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        lines.append(
            f"| {who} | {phase} | {len(rows)} | "
            f"{sum(200 <= s < 300 for s in statuses)} | {statuses.count(409)} | "
            f"{statuses.count(429)} | {sum(s >= 500 for s in statuses)} | "
            f"{statistics.median(times):.1f} | {p95:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="total run time (max 120)")
    parser.add_argument("--abusers", type=int, default=4, help="abusive threads")
    args = parser.parse_args()
    seconds = min(args.seconds, 120.0)
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("run through ./scripts/with-test-services (needs DATABASE_URL)")

    workdir = tempfile.mkdtemp(prefix="slotbook-abuse-")
    redis_port, web_port = free_port(), free_port()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BASE_URL": base,
        "TRUSTED_PROXY_COUNT": "1",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "ERROR",
        "VAR_DIR": workdir,
    }
    web = None
    try:
        wait_for(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(redis_port), "ping"], capture_output=True
                ).stdout.strip()
                == b"PONG"
            )
        )
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        setup = (
            "from accounts.models import User; from bookings.models import EventType;"
            "from availability.models import WeeklyRule; import datetime as dt;"
            "User.objects.filter(handle='bench').delete();"
            "h=User.objects.create_user('bench@example.com','pw',handle='bench',"
            "display_name='Bench',timezone='UTC');"
            "WeeklyRule.objects.bulk_create(WeeklyRule(host=h,weekday=d,start_time=dt.time(0),"
            "end_time=dt.time(23,45)) for d in range(7));"
            "EventType.objects.create(host=h,slug='quick',title='Quick',duration_minutes=15,"
            "slot_interval_minutes=15,booking_window_days=60)"
        )
        subprocess.run([PYTHON, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True)
        web = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{web_port}",
                "-w",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for(lambda: urllib.request.urlopen(base + "/healthz", timeout=1).status == 200)
        _, starts = free_starts(base, "192.0.2.1")
        recorder = Recorder()
        stop = threading.Event()
        threads = [threading.Thread(target=normal_guest, args=(base, recorder, stop, 1.5))]
        threads += [
            threading.Thread(target=abuser, args=(base, recorder, stop, starts))
            for _ in range(args.abusers)
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds / 2)
        redis.terminate()
        redis.wait(10)
        recorder.phase = "redis stopped"
        time.sleep(seconds / 2)
        stop.set()
        for thread in threads:
            thread.join(30)
        print(summarize(recorder))
    finally:
        if web is not None:
            web.terminate()
            web.wait(20)
        if redis.poll() is None:
            redis.kill()


if __name__ == "__main__":
    main()
