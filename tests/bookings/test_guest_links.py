"""Guest links: what retires them, what a stale one shows, fresh links by email, and the host's
one-click Confirm link."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail

from bookings import services
from bookings.links import guest_links, host_confirm_url
from bookings.models import BookingStatus, CancelledBy
from bookings.tokens import Purpose, TokenInvalid, check_token, make_token
from notifications.models import EmailDelivery, EmailKind
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


def links_in(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


def test_confirming_or_declining_a_request_keeps_every_guest_link_working(frozen_now, consult):
    first = book(consult, at("2026-03-02 10:00"))
    second = book(consult, at("2026-03-03 10:00"), email="other@example.com")
    sent_first = {purpose: make_token(first, purpose) for purpose in Purpose}
    sent_second = make_token(second, Purpose.VIEW)
    first = services.confirm_booking(first)
    second = services.decline_booking(second, reason="Away")
    for purpose in (Purpose.VIEW, Purpose.RESCHEDULE, Purpose.CANCEL):
        check_token(first, purpose, sent_first[purpose])
    check_token(second, Purpose.VIEW, sent_second)


def test_a_reschedule_retires_the_links_sent_before_it(frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    old = make_token(booking, Purpose.RESCHEDULE)
    booking = services.reschedule_booking(booking, start=at("2026-03-02 11:00"))
    with pytest.raises(TokenInvalid) as problem:
        check_token(booking, Purpose.RESCHEDULE, old)
    assert problem.value.genuine
    check_token(booking, Purpose.RESCHEDULE, guest_links(booking).reschedule_token)


def test_a_reschedule_link_of_a_cancelled_booking_shows_it_read_only(client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    path = guest_links(booking).reschedule_path
    services.cancel_booking(booking, by=CancelledBy.GUEST)
    html = client.get(path).content.decode()
    assert "This booking is cancelled and can't be moved" in html
    assert 'name="start"' not in html


def test_a_stale_link_shows_the_booking_now_and_offers_a_fresh_link(
    client, frozen_now, intro, after_commit
):
    booking = book(intro, at("2026-03-02 10:00"))
    stale = guest_links(booking).cancel_path
    booking = services.reschedule_booking(booking, start=at("2026-03-02 11:00"))
    response = client.get(stale)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your booking now" in html and "16:00–16:30" in html  # the new time, London
    assert "Email me a fresh link" in html
    assert "/alice/" in links_in(html)  # the host's page
    assert not any("/cancel/" in link for link in links_in(html))
    token = parse_qs(urlsplit(stale).query)["token"][0]
    mail.outbox.clear()
    sent = after_commit(client.post, f"/booking/{booking.uid}/fresh-link/", {"token": token})
    assert "on its way" in sent.content.decode()
    [message] = mail.outbox
    assert message.to == ["gina@example.com"]  # the booking's own address, nobody else's
    assert guest_links(booking).cancel_url in message.body
    # Asking again at once sends nothing more.
    again = after_commit(client.post, f"/booking/{booking.uid}/fresh-link/", {"token": token})
    assert "a moment ago" in again.content.decode()
    assert len(mail.outbox) == 1


def test_fresh_links_are_limited_per_day(frozen_now, intro):
    from bookings.links import FRESH_LINKS_PER_DAY, send_fresh_links

    booking = book(intro, at("2026-03-02 10:00"))
    results = []
    for minutes in range(0, 15 * (FRESH_LINKS_PER_DAY + 2), 15):
        with time_machine.travel(frozen_now + dt.timedelta(minutes=minutes), tick=False):
            results.append(send_fresh_links(booking))
    assert results.count(True) == FRESH_LINKS_PER_DAY
    assert EmailDelivery.objects.filter(kind=EmailKind.FRESH_LINKS).count() == FRESH_LINKS_PER_DAY


def test_a_forged_token_cannot_ask_for_fresh_links(client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    response = client.post(f"/booking/{booking.uid}/fresh-link/", {"token": "forged"})
    assert response.status_code == 403
    assert "Your booking now" not in response.content.decode()
    assert not EmailDelivery.objects.filter(kind=EmailKind.FRESH_LINKS).exists()


def test_an_expired_link_is_recognised_as_ours(client, frozen_now, intro, settings):
    booking = book(intro, at("2026-03-02 10:00"))
    path = guest_links(booking).view_path
    with time_machine.travel(frozen_now + dt.timedelta(days=401), tick=False):
        html = client.get(path).content.decode()
    assert "This link has expired" in html and "Email me a fresh link" in html


def test_the_view_page_and_its_calendar_links_carry_no_manage_links(client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    links = guest_links(booking)
    html = client.get(links.view_path).content.decode()
    assert links.reschedule_token not in html and links.cancel_token not in html
    assert not any("/reschedule/" in link or "/cancel/" in link for link in links_in(html))


def test_the_host_confirm_link_shows_a_page_and_only_a_post_confirms(client, frozen_now, consult):
    booking = book(consult, at("2026-03-02 10:00"))
    url = urlsplit(host_confirm_url(booking))
    token = parse_qs(url.query)["token"][0]
    page = client.get(url.path, {"token": token})  # what a mail scanner's prefetch does
    assert page.status_code == 200 and "Confirm Gina Guest" in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    path = url.path + "?"
    done = client.post(path.split("?")[0], {"token": token})
    assert done.status_code == 200 and "Confirmed" in done.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    # Single use: the same link now confirms nothing.
    again = client.post(url.path, {"token": token})
    assert again.status_code == 403 and "already confirmed" in again.content.decode()


def test_a_guest_token_cannot_confirm_and_a_host_token_cannot_view(client, frozen_now, consult):
    booking = book(consult, at("2026-03-02 10:00"))
    view = make_token(booking, Purpose.VIEW)
    refused = client.post(f"/booking/{booking.uid}/host-confirm/", {"token": view})
    assert refused.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    host_token = make_token(booking, Purpose.HOST_CONFIRM)
    with pytest.raises(TokenInvalid):
        check_token(booking, Purpose.VIEW, host_token)
