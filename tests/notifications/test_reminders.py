"""Reminders: made on confirmation, moved on reschedule, dropped on cancel, sent exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from bookings import services
from bookings.models import CancelledBy
from notifications.models import EmailDelivery, Reminder, ReminderStatus
from notifications.services import dispatch_due_reminders, dispatch_one_reminder
from tests.conftest import NOW, at, book, make_event_type

START = "2026-03-02 10:00"


def reminder_times(booking):
    return sorted(
        (reminder.minutes_before, reminder.recipient_role, reminder.due_at)
        for reminder in Reminder.objects.filter(booking=booking, status=ReminderStatus.PENDING)
    )


@pytest.mark.django_db
class TestScheduling:
    def test_a_confirmed_booking_gets_24h_and_1h_reminders_for_the_guest(self, frozen_now, intro):
        booking = book(intro, at(START))
        assert reminder_times(booking) == [
            (60, "guest", at("2026-03-02 09:00")),
            (1440, "guest", at("2026-03-01 10:00")),
        ]

    def test_the_host_gets_them_too_when_opted_in(self, frozen_now, alice, intro):
        alice.wants_reminders = True
        alice.save()
        booking = book(intro, at(START))
        assert [role for _, role, _ in reminder_times(booking)].count("host") == 2

    def test_event_types_can_turn_either_reminder_off(self, frozen_now, alice):
        only_hour = make_event_type(alice, "hour", remind_24h=False)
        assert [m for m, _, _ in reminder_times(book(only_hour, at(START)))] == [60]
        none = make_event_type(alice, "none", remind_24h=False, remind_1h=False)
        assert reminder_times(book(none, at("2026-03-03 10:00"))) == []

    def test_a_pending_request_has_no_reminders_until_confirmed(self, frozen_now, consult):
        booking = book(consult, at(START))
        assert reminder_times(booking) == []
        services.confirm_booking(booking)
        assert len(reminder_times(booking)) == 2

    def test_reminders_already_due_at_booking_time_are_not_made(self, intro):
        with time_machine.travel(at("2026-03-02 08:30"), tick=False):  # 90 minutes before
            booking = book(intro, at(START))
        assert [m for m, _, _ in reminder_times(booking)] == [60]

    def test_rescheduling_recomputes_and_cancelling_drops(self, frozen_now, intro):
        booking = book(intro, at(START))
        booking = services.reschedule_booking(booking, start=at("2026-03-04 15:00"))
        assert [due for _, _, due in reminder_times(booking)] == [
            at("2026-03-04 14:00"),
            at("2026-03-03 15:00"),
        ]
        services.cancel_booking(booking, by=CancelledBy.GUEST)
        assert Reminder.objects.filter(booking=booking).count() == 0

    def test_declining_drops_reminders_and_dst_is_respected(self, alice):
        # 24 hours before a Monday after the spring-forward is Sunday, same wall time.
        event_type = make_event_type(alice, "dst")
        with time_machine.travel(at("2026-03-05 10:00"), tick=False):
            booking = book(event_type, at("2026-03-09 10:00"))
        due_24h = Reminder.objects.get(booking=booking, minutes_before=1440).due_at
        assert booking.start - due_24h == dt.timedelta(hours=24)


@pytest.mark.django_db
class TestDispatching:
    def test_the_dispatcher_sends_what_is_due_and_nothing_else(self, intro, after_commit):
        with time_machine.travel(NOW, tick=False):
            booking = book(intro, at(START))
        mail.outbox.clear()
        with time_machine.travel(at("2026-03-01 10:05"), tick=False):
            assert after_commit(dispatch_due_reminders) == 1
        [message] = mail.outbox
        assert message.subject.startswith("Reminder: Intro with Alice tomorrow")
        assert "Mon 2 Mar, 15:00–15:30 GMT · 10:00–10:30 EST" in message.body
        with time_machine.travel(at("2026-03-01 12:00"), tick=False):
            assert after_commit(dispatch_due_reminders) == 0
        with time_machine.travel(at("2026-03-02 09:01"), tick=False):
            assert after_commit(dispatch_due_reminders) == 1
        assert mail.outbox[-1].subject.startswith("Reminder: Intro with Alice in 1 hour")
        assert Reminder.objects.filter(booking=booking, status="sent").count() == 2

    def test_a_reminder_for_a_meeting_that_started_is_skipped(self, intro):
        with time_machine.travel(NOW, tick=False):
            booking = book(intro, at(START))
        with time_machine.travel(at("2026-03-02 10:01"), tick=False):
            assert dispatch_due_reminders() == 2
        assert set(Reminder.objects.filter(booking=booking).values_list("status", flat=True)) == {
            "skipped"
        }
        assert not EmailDelivery.objects.filter(kind="reminder").exists()

    def test_the_command_runs_the_same_dispatcher(self, intro):
        with time_machine.travel(NOW, tick=False):
            book(intro, at(START))
        with time_machine.travel(at("2026-03-01 10:05"), tick=False):
            call_command("send_reminders", "--dry-run")
            assert Reminder.objects.filter(status="pending").count() == 2
            call_command("send_reminders")
        assert EmailDelivery.objects.filter(kind="reminder").count() == 1


# Every 24-hour reminder of Monday's bookings is due then, and the 1-hour ones of 09:00-09:55.
DISPATCH_AT = at("2026-03-02 08:59:59")


def _many_due_reminders(alice, count: int) -> int:
    """Book `count` five-minute meetings from Monday 09:00; return how many reminders are due."""
    event_type = make_event_type(alice, "many", duration_minutes=5, slot_interval_minutes=5)
    with time_machine.travel(NOW, tick=False):
        for index in range(count):
            book(
                event_type,
                at("2026-03-02 09:00") + dt.timedelta(minutes=5 * index),
                email=f"g{index}@example.com",
            )
    return Reminder.objects.filter(due_at__lte=DISPATCH_AT).count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_every_reminder_exactly_once(alice):
    due = _many_due_reminders(alice, 40)
    assert due == 40 + 12
    mail.outbox.clear()
    barrier = threading.Barrier(6)
    counts: list[int] = []

    def dispatcher():
        try:
            barrier.wait(timeout=30)
            counts.append(dispatch_due_reminders(DISPATCH_AT))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(counts) == due
    assert sum(1 for count in counts if count) > 1, "the dispatchers really shared the work"
    assert not Reminder.objects.filter(status="pending", due_at__lte=DISPATCH_AT).exists()
    assert Reminder.objects.filter(status="pending").count() == 80 - due  # not due yet
    deliveries = EmailDelivery.objects.filter(kind="reminder")
    assert deliveries.count() == due
    assert deliveries.values("key").distinct().count() == due
    reminder_mails = [message for message in mail.outbox if message.subject.startswith("Reminder")]
    assert len(reminder_mails) == due
    assert len({(tuple(m.to), m.subject) for m in reminder_mails}) == due


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_that_crashes_half_way_is_rerun_without_skips_or_repeats(alice, monkeypatch):
    due = _many_due_reminders(alice, 10)
    assert due == 20
    from notifications import services as notification_services

    real_announce = notification_services.announce
    calls = {"n": 0}

    def crashing_announce(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:
            raise RuntimeError("worker killed")
        return real_announce(*args, **kwargs)

    monkeypatch.setattr(notification_services, "announce", crashing_announce)
    when = DISPATCH_AT
    with pytest.raises(RuntimeError):
        dispatch_due_reminders(when)
    assert Reminder.objects.filter(status="sent").count() == 7
    assert EmailDelivery.objects.filter(kind="reminder").count() == 7
    monkeypatch.setattr(notification_services, "announce", real_announce)
    assert dispatch_due_reminders(when) == 13
    assert EmailDelivery.objects.filter(kind="reminder").count() == 20
    assert not dispatch_one_reminder(when)
