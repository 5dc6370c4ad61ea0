"""The peer's side of the benchmark, run by bench/run.py in var/bench-peer-venv:

    python bench/peer/peer_side.py seed   # the scenario's aged host as a staff member

Prints the staff member's and service's ids as JSON. PEER_DATABASE_URL names its database;
`django-admin migrate` has run on it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")

import django  # noqa: E402

django.setup()

import scenario  # noqa: E402
from appointment.models import (  # noqa: E402
    Appointment,
    AppointmentRequest,
    Service,
    StaffMember,
    Unavailability,
    WorkingHours,
)
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

SLOT = dt.timedelta(minutes=scenario.SLOT_MINUTES)


def _end(wall: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), wall) + dt.timedelta(minutes=minutes)).time()


def seed() -> None:
    today = timezone.localdate()  # TIME_ZONE is the host's zone, as the peer expects
    users = get_user_model().objects
    host = users.create_user("aged", "aged@example.com", "bench-password-123", first_name="Aged")
    client = users.create_user("client", "client@example.com", "bench-password-123")
    service = Service.objects.create(name="Intro call", duration=SLOT, price=0)
    staff = StaffMember.objects.create(
        user=host,
        slot_duration=scenario.SLOT_MINUTES,
        lead_time=scenario.OPEN,
        finish_time=scenario.CLOSE,
    )
    staff.services_offered.add(service)
    WorkingHours.objects.bulk_create(
        # The peer numbers weekdays from Sunday = 0.
        WorkingHours(
            staff_member=staff, day_of_week=day, start_time=scenario.OPEN, end_time=scenario.CLOSE
        )
        for day in range(1, 6)
    )
    meetings = scenario.future_bookings(today) + scenario.past_bookings(today)
    requests = AppointmentRequest.objects.bulk_create(
        (
            AppointmentRequest(
                date=day,
                start_time=wall,
                end_time=_end(wall, scenario.SLOT_MINUTES),
                service=service,
                staff_member=staff,
                id_request=f"bench-{number}",
            )
            for number, (day, wall) in enumerate(meetings)
        ),
        batch_size=2000,
    )
    Appointment.objects.bulk_create(
        (
            Appointment(client=client, appointment_request=request, id_request=f"bench-{number}")
            for number, request in enumerate(requests)
        ),
        batch_size=2000,
    )
    Unavailability.objects.bulk_create(
        Unavailability(
            staff_member=staff,
            date=day,
            start_time=wall,
            end_time=_end(wall, scenario.BLOCK_MINUTES),
            description="Calendar",
        )
        for day, wall in scenario.busy_blocks(today)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    json.dump({"staff_member": staff.pk, "service": service.pk}, sys.stdout)


if __name__ == "__main__":
    {"seed": seed}[sys.argv[1]]()
