"""Race 8 guests for one slot on SQLite (run in its own process by test_sqlite_race.py).

Prints the sorted HTTP statuses as JSON. The database is whatever DATABASE_URL names.
"""

from __future__ import annotations

import json
import threading

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

GUESTS = 8


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    slots = Client().get("/api/v1/demo/intro/slots").json()["slots"]
    start = slots[0]["start"]
    barrier = threading.Barrier(GUESTS)
    statuses: list[int] = []

    def guest(number: int) -> None:
        client = Client(raise_request_exception=False)
        body = {
            "start": start,
            "name": f"Guest {number}",
            "email": f"guest{number}@example.com",
            "timezone": "UTC",
        }
        barrier.wait()
        response = client.post(
            "/api/v1/demo/intro/bookings", json.dumps(body), content_type="application/json"
        )
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=guest, args=(n,)) for n in range(GUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(sorted(statuses)))


if __name__ == "__main__":
    main()
