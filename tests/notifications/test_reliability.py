"""Every email exactly once to the reader: stable Message-IDs, the outbox for account emails,
names that cannot break a header, and the small things hosts missed in their emails and feed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from bookings.models import Booking
from notifications import services
from notifications.headers import message_id_for
from notifications.models import (
    CalendarFeed,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    Recipient,
)
from tests.conftest import at, book
from tests.notifications.helpers import invite_of, sent_to

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/v1/alice/intro/bookings"


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server down")


def test_every_booking_email_has_a_message_id_derived_from_its_delivery(
    frozen_now, intro, after_commit
):
    after_commit(book, intro, at("2026-03-02 10:00"))
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        delivery = EmailDelivery.objects.get(recipient=message.to[0])
        assert message.extra_headers["Message-ID"] == message_id_for(delivery.key)
        assert message.message()["Message-ID"] == message_id_for(delivery.key)
    assert message_id_for("a") == message_id_for("a") != message_id_for("b")


def test_a_resent_delivery_is_the_same_message(frozen_now, intro, after_commit):
    """A worker died after the server accepted the email: the sweeper's resend is a copy."""
    after_commit(book, intro, at("2026-03-02 10:00"))
    delivery = EmailDelivery.objects.get(kind=EmailKind.HOST_NEW_BOOKING)
    first = sent_to("alice@example.com")[0].extra_headers["Message-ID"]
    # As if the worker was killed before marking it sent.
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=4)
    )
    assert services.requeue_stalled_deliveries() == 1
    copies = sent_to("alice@example.com")
    assert len(copies) == 2 and copies[1].extra_headers["Message-ID"] == first


def test_announcing_a_bookings_emails_again_adds_no_row_and_sends_nothing_twice(
    frozen_now, intro, after_commit
):
    """A booking's emails go out in one INSERT; the delivery key still makes them idempotent."""
    booking = after_commit(book, intro, at("2026-03-02 10:00"))
    assert len(mail.outbox) == 2
    made = dict(EmailDelivery.objects.values_list("key", "status"))
    messages = [
        (EmailKind.BOOKING_CONFIRMED, Recipient.GUEST),
        (EmailKind.HOST_NEW_BOOKING, Recipient.HOST),
    ]
    again = after_commit(services.announce_all, booking, messages)
    assert {delivery.pk for delivery in again} == set(
        EmailDelivery.objects.values_list("pk", flat=True)
    )
    assert dict(EmailDelivery.objects.values_list("key", "status")) == made
    assert set(made.values()) == {DeliveryStatus.SENT}
    assert len(mail.outbox) == 2


def test_the_in_flight_lease_is_minutes_not_a_quarter_hour(settings, frozen_now, intro):
    assert settings.EMAIL_SENDING_LEASE_SECONDS <= 5 * 60
    assert settings.EMAIL_SENDING_LEASE_SECONDS > 3 * settings.EMAIL_TIMEOUT
    booking = book(intro, at("2026-03-02 10:00"))
    delivery = booking.email_deliveries.first()
    claimed = timezone.now() - dt.timedelta(seconds=settings.EMAIL_SENDING_LEASE_SECONDS - 5)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=claimed
    )
    services.requeue_stalled_deliveries()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING  # still within its lease


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/signup/", {"email": "new@example.com"}),
        ("/accounts/signup/", {"email": "alice@example.com"}),
        ("/accounts/password-reset/", {"email": "alice@example.com"}),
    ],
)
def test_account_emails_survive_an_smtp_outage(client, alice, settings, path, data):
    settings.EMAIL_BACKEND = "tests.notifications.test_reliability.RefusingBackend"
    response = client.post(path, data)  # queued in the outbox, not sent in the request
    assert response.status_code in (200, 302) and not mail.outbox
    [delivery] = EmailDelivery.objects.filter(booking=None)
    assert services.attempt_delivery(delivery.pk) == settings.EMAIL_RETRY_BASE_SECONDS
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "SMTP server down" in delivery.last_error
    assert "token" not in json.dumps(delivery.snapshot)  # links are made when sent
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.attempt_delivery(delivery.pk) is None
    [message] = mail.outbox
    assert message.to == [data["email"]]
    assert delivery.status != DeliveryStatus.SKIPPED
    assert message.extra_headers["Message-ID"] == message_id_for(delivery.key)
    assert "http://127.0.0.1:8000/accounts/" in message.body


def test_a_password_reset_costs_the_request_the_same_for_known_and_unknown_addresses(
    client, alice, after_commit
):
    """Both queue one row (no lookup-dependent work in the request); the worker finds the
    account, or skips the row when there is none."""
    for address in ("nobody@example.com", "ALICE@example.com"):
        after_commit(client.post, "/accounts/password-reset/", {"email": address})
    unknown, known = EmailDelivery.objects.order_by("pk")
    assert unknown.status == DeliveryStatus.SKIPPED and unknown.user is None
    assert known.status == DeliveryStatus.SENT
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]


@pytest.mark.parametrize(
    "name",
    [
        "Gina\nBcc: victim@example.com",
        "Gina\r\nGuest",
        "Gina\x1b[31mGuest",
        "Gina\x07",
        "Gina\x85Guest",
        "\u202eGina",
        "Gina\u2066Guest",
    ],
)
def test_names_with_control_characters_or_bidi_overrides_are_refused(
    client, frozen_now, intro, name
):
    body = {
        "start": "2026-03-02T10:00:00-05:00",
        "name": name,
        "email": "gina@example.com",
        "timezone": "Europe/London",
    }
    response = client.post(BOOKINGS, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "control characters" in response.json()["details"]["name"][0]
    page = client.post(
        "/alice/intro/book/",
        {**body, "start": "2026-03-02T15:00:00+00:00"},
    )
    assert page.status_code in (200, 400)
    assert "control characters" in page.content.decode()
    assert not Booking.objects.exists()


def test_a_stored_name_with_a_newline_cannot_break_the_hosts_email(frozen_now, intro, after_commit):
    """Names stored before the form refused them still reach the host, on one header line."""
    booking = after_commit(book, intro, at("2026-03-02 10:00"), name="Gina\nGuest\u202e")
    assert set(booking.email_deliveries.values_list("status", flat=True)) == {"sent"}
    [host_mail] = sent_to("alice@example.com")
    assert host_mail.subject.startswith("New booking: Intro with Gina Guest, Mon 2 Mar")
    assert host_mail.message()["Subject"]  # a header Django accepts


def test_the_hosts_new_booking_email_carries_the_guests_notes(frozen_now, intro, after_commit):
    after_commit(book, intro, at("2026-03-02 10:00"), notes="Please call me on the landline.")
    [host_mail] = sent_to("alice@example.com")
    assert "Please call me on the landline." in host_mail.body


def test_the_hosts_invite_and_feed_are_titled_with_the_guest(
    client, frozen_now, intro, after_commit
):
    after_commit(book, intro, at("2026-03-02 10:00"))
    [host_mail] = sent_to("alice@example.com")
    [guest_mail] = sent_to("gina@example.com")
    assert str(invite_of(host_mail).walk("VEVENT")[0]["SUMMARY"]) == "Intro with Gina Guest"
    assert str(invite_of(guest_mail).walk("VEVENT")[0]["SUMMARY"]) == "Intro with Alice"
    feed = CalendarFeed.objects.create(host=intro.host)
    text = client.get(f"/feeds/{feed.token}.ics").content.decode()
    assert "SUMMARY:Intro with Gina Guest" in text and "with Alice" not in text


def test_a_deeply_nested_json_body_is_a_400(client, frozen_now, intro):
    response = client.post(BOOKINGS, "[" * 10_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_INPUT"
