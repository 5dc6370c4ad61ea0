"""Google Meet: the link is made with the booking's Google Calendar event and reaches the
guest's emails, invite and pages; a slow or failing Google delays the confirmation email by
MEETING_LINK_WAIT at most, and the link follows once it exists."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import time_machine
from django.core import mail

from bookings.links import guest_links
from bookings.locations import LocationKind
from bookings.services import reschedule_booking
from calendars import services
from calendars.models import WrittenEvent
from calendars.providers.google import own_event_id
from notifications import services as notifications
from notifications.models import DeliveryStatus, EmailDelivery, EmailKind
from tests.conftest import at, book
from tests.notifications.helpers import html_of, invite_of, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def meet(intro):
    intro.location_kind = LocationKind.GOOGLE_MEET
    intro.save(update_fields=["location_kind"])
    return intro


def meeting_url_of(google, booking) -> str:
    event = google.events[google.account][own_event_id(str(booking.uid))]
    assert event["conferenceData"]["conferenceSolution"]["key"]["type"] == "hangoutsMeet"
    return event["hangoutLink"]


def test_a_meet_booking_carries_its_link_in_emails_invite_and_pages(
    client, alice, meet, frozen_now, connect_google, google, after_commit
):
    connect_google(alice)
    client.logout()
    booking = after_commit(book, meet, at("2026-03-02 10:00"))

    link = meeting_url_of(google, booking)
    assert link.startswith("https://meet.google.com/")
    assert WrittenEvent.objects.get(booking=booking).meeting_url == link
    # The emails waited for the link and carry it.
    (to_guest,) = sent_to("gina@example.com")
    assert f"Where: Google Meet: {link}" in to_guest.body
    assert f'href="{link}"' in html_of(to_guest)
    event = invite_of(to_guest).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == link and str(event["URL"]) == link
    (to_host,) = sent_to("alice@example.com")
    assert link in to_host.body
    assert not EmailDelivery.objects.filter(booking=booking, held_until__isnull=False).exists()
    # The guest's page, their .ics and the host's page show it.
    links = guest_links(booking)
    assert link in client.get(links.view_path).content.decode()
    ics = icalendar.Calendar.from_ical(client.get(links.ics_path).content)
    assert str(ics.walk("VEVENT")[0]["URL"]) == link
    client.force_login(alice)
    assert link in client.get(f"/dashboard/bookings/{booking.uid}/").content.decode()


def test_a_reschedule_keeps_the_same_link(
    alice, meet, frozen_now, connect_google, google, after_commit
):
    connect_google(alice)
    booking = after_commit(book, meet, at("2026-03-02 10:00"))
    link = meeting_url_of(google, booking)
    mail.outbox.clear()
    after_commit(reschedule_booking, booking, start=at("2026-03-03 14:00"))
    assert meeting_url_of(google, booking) == link
    assert WrittenEvent.objects.get(booking=booking).meeting_url == link
    (moved,) = sent_to("gina@example.com")
    assert link in moved.body
    # The link was known: nothing waited.
    rescheduled = EmailDelivery.objects.get(booking=booking, kind=EmailKind.BOOKING_RESCHEDULED)
    assert rescheduled.held_until is None


def test_while_google_is_down_the_email_waits_then_goes_and_the_link_follows(
    alice, meet, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connect_google(alice)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        booking = book(meet, at("2026-03-02 10:00"))
    assert len(queued) == 4  # one publish of both sends, their two deadlines, the calendar write
    held = EmailDelivery.objects.filter(booking=booking)
    assert all(d.held_until == frozen_now + notifications.MEETING_LINK_WAIT for d in held)
    # The sends find their emails held; the write fails and waits for its retry.
    for delivery in held:
        assert notifications.attempt_delivery(delivery.pk) is None
    assert mail.outbox == []
    google.fail_next("/events", 503)
    assert services.push_booking(booking.pk) is not None
    assert {d.status for d in held} == {DeliveryStatus.PENDING} and mail.outbox == []

    # Past the wait the sweeper sends them without the link, saying it follows.
    later = frozen_now + notifications.MEETING_LINK_WAIT + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        assert notifications.requeue_stalled_deliveries() == 2
    (to_guest,) = sent_to("gina@example.com")
    assert "Where: Google Meet (The link is created with the calendar event" in to_guest.body
    assert "meet.google.com" not in to_guest.body
    assert "URL" not in invite_of(to_guest).walk("VEVENT")[0]

    # Google is back: the write stores the link and the guest gets it in its own email.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.push_booking(booking.pk) is None
    link = meeting_url_of(google, booking)
    follow_up = sent_to("gina@example.com")[-1]
    assert follow_up.subject.startswith("Google Meet link: Intro with Alice")
    assert link in follow_up.body
    assert len(sent_to("alice@example.com")) == 1  # the host has it in their calendar


def test_a_write_that_fails_for_good_releases_the_emails_at_once(
    alice, meet, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connect_google(alice)
    google.fail_next("/events", 403, times=50, body='{"error": {"code": 403}}')
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(meet, at("2026-03-02 10:00"))
    record = WrittenEvent.objects.get(booking=booking)
    assert record.status == "failed" and record.meeting_url == ""
    (to_guest,) = sent_to("gina@example.com")
    # No link will come from Google: the guest is not told it follows by email.
    assert "Where: Google Meet (Your host will send you the meeting link.)" in to_guest.body
    assert "follows by email" not in to_guest.body
    assert booking.__class__.objects.get(pk=booking.pk).status == "confirmed"


def test_without_a_google_calendar_nothing_waits(alice, meet, frozen_now, after_commit):
    """A host who disconnected Google after choosing Meet: the email goes at once and says the
    host will send the link (the event types list warns the host)."""
    booking = after_commit(book, meet, at("2026-03-02 10:00"))
    assert not EmailDelivery.objects.filter(booking=booking, held_until__isnull=False).exists()
    (to_guest,) = sent_to("gina@example.com")
    assert "Your host will send you the meeting link." in to_guest.body
    assert "follows by email" not in to_guest.body
