"""anonymize_guests: old bookings forget the guest, keep the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from bookings.models import Booking
from bookings.services import cancel_booking
from notifications.models import EmailDelivery, Recipient
from security.retention import pseudonym
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


def test_old_bookings_lose_names_emails_notes_and_reasons(intro, frozen_now, after_commit, capsys):
    old = after_commit(
        book, intro, at("2026-03-02 09:00"), name="Old Guest", email="old@x.com", notes="my notes"
    )
    after_commit(cancel_booking, old, by="guest", reason="I moved to Lisbon")
    repeat = book(intro, at("2026-03-02 10:00"), name="Old Guest", email="OLD@x.com")
    recent = book(intro, at("2026-03-03 09:00"), name="New Guest", email="new@x.com")
    # Keep 30 days, seen from 2 April 14:00 UTC: the cut is 3 March 09:00 in New York, so the
    # 2 March bookings are older and the 3 March one (09:00-09:30) is not.
    later = dt.datetime(2026, 4, 2, 14, 0, tzinfo=dt.UTC)
    import time_machine

    with time_machine.travel(later, tick=False):
        call_command("anonymize_guests", "--older-than", "30")
    out = capsys.readouterr().out
    assert "2 bookings anonymized" in out

    old.refresh_from_db()
    repeat.refresh_from_db()
    recent.refresh_from_db()
    assert (old.guest_name, old.notes, old.cancel_reason) == ("Former guest", "", "")
    assert old.guest_email == repeat.guest_email == pseudonym("old@x.com")
    assert old.guest_email.endswith("@anonymized.invalid")
    # The figures stay.
    assert old.status == "cancelled" and old.start == at("2026-03-02 09:00")
    assert old.cancelled_by == "guest" and old.guest_timezone == "Europe/London"
    # Newer ones are untouched.
    assert recent.guest_name == "New Guest" and recent.guest_email == "new@x.com"
    guest_mail = EmailDelivery.objects.filter(booking=old, recipient_role=Recipient.GUEST)
    assert guest_mail and all(d.recipient == old.guest_email for d in guest_mail)
    assert all("reason" not in d.snapshot for d in guest_mail)
    assert not Booking.objects.filter(guest_email="old@x.com").exists()


def test_a_second_run_finds_nothing_and_dry_run_changes_nothing(intro, frozen_now, capsys):
    book(intro, at("2026-03-02 09:00"))
    import time_machine

    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), tick=False):
        call_command("anonymize_guests", "--older-than", "30", "--dry-run")
        assert Booking.objects.get().guest_name == "Gina Guest"
        call_command("anonymize_guests", "--older-than", "30")
        call_command("anonymize_guests", "--older-than", "30")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "1 bookings would be anonymized (dry run)",
        "1 bookings anonymized",
        "0 bookings anonymized",
    ]


def test_beat_runs_it_daily_when_a_retention_is_set(settings):
    from security.tasks import anonymize_old_guests

    settings.GUEST_DATA_RETENTION_DAYS = 0
    assert anonymize_old_guests() == 0
    from config.env import read_environment

    assert (
        read_environment({"GUEST_DATA_RETENTION_DAYS": "365"})["GUEST_DATA_RETENTION_DAYS"] == 365
    )
