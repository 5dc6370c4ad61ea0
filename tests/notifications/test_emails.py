"""Booking emails: who hears about what, once, in their own timezone, with an invite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings import services
from bookings.models import CancelledBy
from notifications.emails import describe_range
from notifications.models import DeliveryStatus, EmailDelivery
from tests.conftest import at, book
from tests.notifications.helpers import html_of, invite_of, sent_to, subjects

pytestmark = pytest.mark.django_db

GUEST = "gina@example.com"
HOST = "alice@example.com"


def test_a_confirmed_booking_tells_the_guest_and_the_host(frozen_now, intro, after_commit):
    after_commit(book, intro, at("2026-03-02 10:00"))
    assert len(mail.outbox) == 2
    [guest_mail] = sent_to(GUEST)
    [host_mail] = sent_to(HOST)
    assert guest_mail.subject.startswith("Confirmed: Intro with Alice")
    assert host_mail.subject.startswith("New booking: Intro with Gina Guest")
    # Each in their own zone first, the other party's beside it.
    assert "Mon 2 Mar, 15:00–15:30 GMT · 10:00–10:30 EST" in guest_mail.body
    assert "Mon 2 Mar, 10:00–10:30 EST · 15:00–15:30 GMT" in host_mail.body
    assert "Mon 2 Mar, 15:00–15:30 GMT · 10:00–10:30 EST" in html_of(guest_mail)
    # Replies go to the other party.
    assert guest_mail.reply_to == [HOST] and host_mail.reply_to == [GUEST]


def test_guest_emails_carry_reschedule_and_cancel_links_on_the_base_url(
    frozen_now, intro, after_commit
):
    after_commit(book, intro, at("2026-03-02 10:00"))
    [guest_mail] = sent_to(GUEST)
    assert "Reschedule: http://127.0.0.1:8000/booking/" in guest_mail.body
    assert "Cancel: http://127.0.0.1:8000/booking/" in guest_mail.body
    [host_mail] = sent_to(HOST)
    assert "/booking/" not in host_mail.body  # the guest's links are the guest's


def test_a_request_tells_the_guest_it_is_received_and_asks_the_host(
    frozen_now, consult, after_commit
):
    booking = after_commit(book, consult, at("2026-03-02 10:00"))
    [guest_mail] = sent_to(GUEST)
    [host_mail] = sent_to(HOST)
    assert guest_mail.subject.startswith("Request sent")
    assert host_mail.subject.startswith("Please confirm")
    link = f"http://127.0.0.1:8000/dashboard/bookings/{booking.uid}/"
    confirm = f"Confirm: http://127.0.0.1:8000/booking/{booking.uid}/host-confirm/?token="
    assert confirm in host_mail.body  # signed one-click link (tests/bookings/test_guest_links.py)
    assert f"Decline: {link}?action=decline" in host_mail.body
    assert str(invite_of(guest_mail).walk("VEVENT")[0]["STATUS"]) == "TENTATIVE"


def test_confirming_and_declining_tell_the_guest(frozen_now, consult, after_commit):
    first = book(consult, at("2026-03-02 10:00"))
    second = book(consult, at("2026-03-02 14:00"), email="second@example.com")
    mail.outbox.clear()
    after_commit(services.confirm_booking, first)
    after_commit(services.decline_booking, second, reason="On holiday")
    assert subjects()[0].startswith("Confirmed: Consult with Alice")
    declined = sent_to("second@example.com")[0]
    assert declined.subject.startswith("Declined")
    assert "Reason given: On holiday" in declined.body
    assert str(invite_of(declined)["METHOD"]) == "CANCEL"
    assert len(mail.outbox) == 2  # the host acted, so the host is not told


def test_a_guest_cancelling_tells_both_with_the_reason(frozen_now, intro, after_commit):
    booking = book(intro, at("2026-03-02 10:00"))
    mail.outbox.clear()
    after_commit(services.cancel_booking, booking, by=CancelledBy.GUEST, reason="Flight moved")
    assert sorted(subjects()) == ["Cancelled: Intro with Alice", "Cancelled: Intro with Gina Guest"]
    assert all("Reason given: Flight moved" in message.body for message in mail.outbox)


def test_a_host_cancelling_tells_only_the_guest(frozen_now, intro, after_commit):
    booking = book(intro, at("2026-03-02 10:00"))
    mail.outbox.clear()
    after_commit(services.cancel_booking, booking, by=CancelledBy.HOST, reason="Sick")
    [message] = mail.outbox
    assert message.to == [GUEST] and "Alice cancelled Intro." in message.body


def test_a_guest_rescheduling_shows_old_and_new_times_to_both(frozen_now, intro, after_commit):
    booking = book(intro, at("2026-03-02 10:00"))
    mail.outbox.clear()
    after_commit(
        services.reschedule_booking, booking, start=at("2026-03-03 11:00"), by=CancelledBy.GUEST
    )
    [guest_mail] = sent_to(GUEST)
    [host_mail] = sent_to(HOST)
    assert "Tue 3 Mar, 16:00–16:30 GMT · 11:00–11:30 EST" in guest_mail.body
    assert "Was: Mon 2 Mar, 15:00–15:30 GMT · 10:00–10:30 EST" in guest_mail.body
    assert "Was: Mon 2 Mar, 10:00–10:30 EST · 15:00–15:30 GMT" in host_mail.body


def test_invites_keep_their_uid_and_raise_the_sequence_across_changes(
    frozen_now, intro, after_commit
):
    booking = after_commit(book, intro, at("2026-03-02 10:00"))
    after_commit(
        services.reschedule_booking, booking, start=at("2026-03-03 11:00"), by=CancelledBy.GUEST
    )
    booking.refresh_from_db()
    after_commit(services.cancel_booking, booking, by=CancelledBy.GUEST)
    guest_invites = [invite_of(message) for message in sent_to(GUEST)]
    assert [str(calendar["METHOD"]) for calendar in guest_invites] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    events = [calendar.walk("VEVENT")[0] for calendar in guest_invites]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [int(event["SEQUENCE"]) for event in events] == [0, 1, 2]
    assert events[0].decoded("DTSTART") == at("2026-03-02 10:00")
    assert events[1].decoded("DTSTART") == at("2026-03-03 11:00")
    assert events[1].decoded("DTEND") == at("2026-03-03 11:30")
    for event in events:
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert str(event["ORGANIZER"]) == f"mailto:{HOST}"
        assert str(event["ATTENDEE"]) == f"mailto:{GUEST}"
    assert [event["ATTENDEE"].params["PARTSTAT"] for event in events] == [
        "ACCEPTED",
        "ACCEPTED",
        "DECLINED",
    ]
    assert str(events[2]["STATUS"]) == "CANCELLED"


def test_every_email_is_queued_once_even_if_told_twice(frozen_now, intro):
    from notifications.services import announce

    booking = book(intro, at("2026-03-02 10:00"))
    before = EmailDelivery.objects.count()
    announce(booking, "booking_confirmed", "guest")
    assert EmailDelivery.objects.count() == before


def test_an_email_failure_never_undoes_a_booking_and_is_recorded(
    frozen_now, intro, after_commit, settings
):
    settings.EMAIL_BACKEND = "tests.notifications.test_emails.BrokenBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    booking = after_commit(book, intro, at("2026-03-02 10:00"))
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    deliveries = EmailDelivery.objects.filter(booking=booking)
    assert deliveries.count() == 2
    for delivery in deliveries:
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == 3
        assert "SMTP server said no" in delivery.last_error


def test_a_failed_attempt_is_retried_later_with_backoff(frozen_now, intro, settings):
    from notifications.services import attempt_delivery, retry_delay

    settings.EMAIL_BACKEND = "tests.notifications.test_emails.BrokenBackend"
    book(intro, at("2026-03-02 10:00"))
    delivery = EmailDelivery.objects.filter(recipient_role="guest").get()
    assert attempt_delivery(delivery.pk) == 30
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert attempt_delivery(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert attempt_delivery(delivery.pk) is None  # a duplicate task sends nothing
    assert len(mail.outbox) == 1


def test_lost_tasks_are_picked_up_by_the_sweeper(frozen_now, intro):
    from notifications.services import requeue_stalled_deliveries

    book(intro, at("2026-03-02 10:00"))  # on_commit never ran: as if the broker was down
    assert mail.outbox == []
    later = frozen_now + dt.timedelta(minutes=5)
    assert requeue_stalled_deliveries(later) == 2
    assert len(mail.outbox) == 2
    assert requeue_stalled_deliveries(later) == 0


def test_times_show_both_zones_only_when_they_differ():
    from zoneinfo import ZoneInfo

    start, end = at("2026-03-03 09:00"), at("2026-03-03 09:30")
    new_york, london = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
    assert (
        describe_range(start, end, new_york, london)
        == "Tue 3 Mar, 09:00–09:30 EST · 14:00–14:30 GMT"
    )
    assert describe_range(start, end, new_york, new_york) == "Tue 3 Mar, 09:00–09:30 EST"
    assert (
        describe_range(start, end, new_york, ZoneInfo("America/Toronto"))
        == "Tue 3 Mar, 09:00–09:30 EST"
    )
    sydney = ZoneInfo("Australia/Sydney")
    assert describe_range(start, end, new_york, sydney) == (
        "Tue 3 Mar, 09:00–09:30 EST · Wed 4 Mar, 01:00–01:30 AEDT"
    )


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server said no")
