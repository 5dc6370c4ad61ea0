"""Benchmark of the booking assistant: the parser alone, and the API endpoint with N bookings.

Run with `./scripts/with-test-services .venv/bin/python bench/assistant.py`. Creates its own
test database; reports medians and p95 over repeated runs, and the queries per request.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from assistant.evaluation import evaluate, load_set  # noqa: E402
from bench.run import fill  # noqa: E402
from tests.conftest import make_event_type, make_host  # noqa: E402

SIZES = [0, 1000, 5000]
REPEATS = 30
MESSAGES = [
    "30 minutes next Tuesday afternoon, London time",
    "an hour any day next week except Friday after 2pm",
    "next month, mornings",
]


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    labelled = load_set()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        evaluate(labelled)
        timings.append((time.perf_counter() - started) * 1000 / len(labelled.cases))
    median, p95 = percentiles(timings)
    print(f"parser: {len(labelled.cases)} labelled phrases, {median:.2f} ms median per phrase")

    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    databases = runner.setup_databases()
    try:
        client = Client()
        print(f"PostgreSQL {connection.pg_version}; API medians/p95 of {REPEATS} runs per message")
        print(f"{'bookings':>8} | {'message':<52} | {'median ms':>9} | {'p95 ms':>7} | q")
        for size in SIZES:
            host = make_host(f"bench{size}@example.com", f"bench{size}", "America/New_York")
            intro = make_event_type(host, "intro")
            make_event_type(host, "consult", duration_minutes=60)
            fill(intro, size)
            for message in MESSAGES:
                body = json.dumps({"message": message, "timezone": "Asia/Tokyo"})
                runs = []
                for _ in range(REPEATS):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = client.post(
                            f"/api/v1/bench{size}/assistant", body, content_type="application/json"
                        )
                        runs.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                median, p95 = percentiles(runs)
                print(
                    f"{size:>8} | {message:<52} | {median:>9.2f} | {p95:>7.2f} | "
                    f"{len(captured.captured_queries)}"
                )
    finally:
        runner.teardown_databases(databases)


if __name__ == "__main__":
    main()
