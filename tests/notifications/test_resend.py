"""The Resend backend: the real `resend` client against a local fake of Resend's API."""

from __future__ import annotations

import base64

import icalendar
import pytest
from django.core.mail import EmailMessage, get_connection

from notifications.models import DeliveryStatus, EmailDelivery
from notifications.services import attempt_delivery
from tests.conftest import at, book
from tests.fakes.resend_server import FakeResend

pytestmark = pytest.mark.django_db


@pytest.fixture
def resend_api(settings):
    fake = FakeResend(api_key="re_test_123").start()
    settings.EMAIL_BACKEND = "notifications.backends.ResendEmailBackend"
    settings.RESEND_API_KEY = "re_test_123"
    settings.RESEND_API_URL = fake.url
    settings.DEFAULT_FROM_EMAIL = "Slotbook <bookings@slotbook.test>"
    yield fake
    fake.stop()


def test_booking_emails_go_out_through_resend_with_their_invite(
    frozen_now, intro, resend_api, after_commit
):
    after_commit(book, intro, at("2026-03-02 10:00"))
    assert len(resend_api.emails) == 2
    guest = next(email for email in resend_api.emails if email["to"] == ["gina@example.com"])
    assert guest["from"] == "Slotbook <bookings@slotbook.test>"
    assert guest["reply_to"] == ["alice@example.com"]
    assert guest["subject"].startswith("Confirmed: Intro with Alice")
    assert "15:00–15:30 GMT" in guest["text"] and "<html" in guest["html"]
    [attachment] = guest["attachments"]
    assert attachment["filename"] == "invite.ics"
    assert attachment["content_type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert guest["idempotency_key"].endswith(":booking_confirmed:guest:0")
    assert "X-Slotbook-Delivery" not in guest.get("headers", {})
    delivery = EmailDelivery.objects.get(recipient_role="guest")
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_message_id == guest["id"]


def test_a_resend_outage_is_retried_and_recorded(frozen_now, intro, resend_api, settings):
    book(intro, at("2026-03-02 10:00"))
    delivery = EmailDelivery.objects.get(recipient_role="guest")
    resend_api.fail_next(2, status=500)
    assert attempt_delivery(delivery.pk) == 30
    assert attempt_delivery(delivery.pk) == 60
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.PENDING
    assert "Simulated failure" in delivery.last_error
    assert attempt_delivery(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(resend_api.emails) == 1


def test_a_wrong_api_key_fails_loudly(resend_api, settings):
    settings.RESEND_API_KEY = "re_wrong"
    with pytest.raises(Exception, match="API key"):
        EmailMessage("Hi", "Body", to=["x@example.com"], connection=get_connection()).send()


def test_resending_with_the_same_delivery_key_is_not_a_second_email(resend_api):
    message = EmailMessage(
        "Hi", "Body", to=["x@example.com"], headers={"X-Slotbook-Delivery": "k-1"}
    )
    message.send()
    message.send()
    assert resend_api.requests == 2
    assert len(resend_api.emails) == 1
