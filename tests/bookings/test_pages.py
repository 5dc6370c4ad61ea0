"""Public pages: they render, and a guest can book, reschedule and cancel through them."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from bookings.models import Booking, BookingStatus
from bookings.tokens import Purpose, make_token
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


def links_in(response) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', response.content.decode())]


def test_the_host_page_lists_active_event_types(client, intro, consult):
    consult.is_active = False
    consult.save()
    response = client.get("/alice/")
    assert response.status_code == 200
    assert "/alice/intro/" in links_in(response)
    assert "/alice/consult/" not in links_in(response)


def test_unknown_hosts_and_inactive_events_get_a_friendly_404(client, intro):
    response = client.get("/nobody/")
    assert response.status_code == 404 and b"couldn't find that page" in response.content
    intro.is_active = False
    intro.save()
    assert client.get("/alice/intro/").status_code == 404


def test_the_home_page_finds_a_host_by_handle(client, alice):
    assert client.get("/", {"handle": "ALICE"}).url == "/ALICE/"
    response = client.get("/", {"handle": "nobody"})
    assert b"No one books under that name" in response.content


def test_the_event_page_shows_the_month_and_the_day_in_the_guest_timezone(
    client, frozen_now, intro
):
    response = client.get("/alice/intro/", {"tz": "Europe/London", "date": "2026-03-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "March 2026" in html
    assert "London (GMT+0)" in html  # the readable zone in the picker
    assert ">14:00<" in html  # 09:00 in New York
    slot_links = [link for link in links_in(response) if link.startswith("/alice/intro/book/")]
    assert len(slot_links) == 16
    assert parse_qs(urlsplit(slot_links[0]).query)["tz"] == ["Europe/London"]


def test_the_event_page_without_a_timezone_uses_the_host_zone_and_asks_the_browser(
    client, frozen_now, intro
):
    response = client.get("/alice/intro/")
    html = response.content.decode()
    assert 'data-zone="America/New_York" data-zone-source="host"' in html
    assert 'value="New York (GMT-5) · 10:00"' in html
    # The host's zone is a stand-in: no day, month or time link pins it for the next page.
    links = [link for link in links_in(response) if link.startswith("/alice/intro/")]
    assert len(links) > 10
    assert not [link for link in links if "tz" in parse_qs(urlsplit(link).query)]


def test_the_browser_zone_cookie_renders_the_first_page_in_the_guest_zone(
    client, frozen_now, intro
):
    client.cookies["tzb"] = "Asia/Tokyo"
    html = client.get("/alice/intro/", {"date": "2026-03-02"}).content.decode()
    assert 'data-zone="Asia/Tokyo" data-zone-source="cookie"' in html
    assert ">23:00<" in html  # 09:00 in New York


def test_a_zone_picked_on_the_page_wins_over_the_browser_and_sticks(client, frozen_now, intro):
    client.cookies["tzb"] = "Asia/Tokyo"
    response = client.get("/alice/intro/", {"tz": "London (GMT+0) · 15:00", "clock": "12"})
    assert 'data-zone="Europe/London" data-zone-source="url"' in response.content.decode()
    assert response.cookies["tz"].value == "Europe/London"
    assert response.cookies["clock"].value == "12"
    html = client.get("/alice/intro/", {"date": "2026-03-02"}).content.decode()
    assert 'data-zone="Europe/London"' in html and ">2:00pm<" in html


def test_an_unknown_timezone_falls_back_to_the_host_zone(client, frozen_now, intro):
    response = client.get(
        "/alice/intro/", {"tz": "Bogus/Zone", "month": "garbage", "date": "2026-99-99"}
    )
    assert response.status_code == 200
    assert 'data-zone="America/New_York"' in response.content.decode()


def test_htmx_requests_get_only_the_picker(client, frozen_now, intro):
    response = client.get(
        "/alice/intro/", {"tz": "UTC", "month": "2026-03"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="picker"') and "<html" not in html


def test_months_before_now_or_beyond_the_window_are_not_shown(client, frozen_now, intro):
    assert "February 2026" in client.get("/alice/intro/", {"month": "1999-01"}).content.decode()
    assert "February 2027" in client.get("/alice/intro/", {"month": "2099-01"}).content.decode()


def test_a_guest_books_through_the_page_form(client, frozen_now, intro):
    start = at("2026-03-02 10:00").isoformat()
    form_page = client.get("/alice/intro/book/", {"start": start, "tz": "Europe/London"})
    assert form_page.status_code == 200
    assert "Monday 2 March 2026<br>15:00–15:30" in form_page.content.decode()
    response = client.post(
        "/alice/intro/book/",
        {
            "start": start,
            "timezone": "Europe/London",
            "name": "Gina Guest",
            "email": "gina@example.com",
            "notes": "Hi",
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.guest_timezone == "Europe/London"
    confirmation = client.get(response.url)
    html = confirmation.content.decode()
    assert "You're booked" in html
    assert "Monday 2 March 2026, 15:00–15:30" in html  # the guest's time
    assert "10:00–10:30" in html and "America/New_York" in html  # and the host's
    assert "An invitation was sent to <strong>gina@example.com</strong>" in html
    links = links_in(confirmation)
    assert any("/api/v1/bookings/" in link and ".ics?token=" in link for link in links)
    for calendar in (
        "https://calendar.google.com/calendar/render?action=TEMPLATE",
        "https://outlook.live.com/calendar/0/deeplink/compose?",
        "https://outlook.office.com/calendar/0/deeplink/compose?",
    ):
        assert any(link.startswith(calendar) for link in links)
    # A view link views: reschedule and cancel links go only to the guest's email.
    assert not any("/reschedule/" in link or "/cancel/" in link for link in links)
    assert "token" not in " ".join(link for link in links if "calendar" in link)


def test_the_page_form_keeps_the_input_and_explains_errors(client, frozen_now, intro):
    start = at("2026-03-02 10:00").isoformat()
    response = client.post(
        "/alice/intro/book/",
        {"start": start, "timezone": "UTC", "name": "Gina", "email": "nope", "notes": "keep me"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html and "keep me" in html and 'value="Gina"' in html
    assert not Booking.objects.exists()


def test_a_taken_slot_on_the_page_gets_a_friendly_message(client, frozen_now, intro):
    book(intro, at("2026-03-02 10:00"))
    response = client.post(
        "/alice/intro/book/",
        {
            "start": at("2026-03-02 10:00").isoformat(),
            "timezone": "UTC",
            "name": "Gina",
            "email": "g@example.com",
        },
    )
    assert response.status_code == 409
    assert "no longer available" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_garbled_start_sends_the_guest_back_to_the_calendar(client, frozen_now, intro):
    response = client.get("/alice/intro/book/", {"start": "<script>", "tz": "UTC"})
    assert response.status_code == 302 and response.url.startswith("/alice/intro/?")


def test_a_guest_cancels_from_the_link(client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    url = f"/booking/{booking.uid}/cancel/"
    token = make_token(booking, Purpose.CANCEL)
    assert client.get(url, {"token": token}).status_code == 200
    response = client.post(url, {"token": token, "reason": "Can't make it"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Can't make it"
    assert "This booking is cancelled" in client.get(response.url).content.decode()


def test_a_guest_reschedules_from_the_link(client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    token = make_token(booking, Purpose.RESCHEDULE)
    url = f"/booking/{booking.uid}/reschedule/"
    picker = client.get(url, {"token": token, "tz": "UTC", "date": "2026-03-03"})
    assert picker.status_code == 200
    choice = next(link for link in links_in(picker) if "start=" in link)
    assert "token=" in choice
    confirm = client.get(choice)
    assert "Move my booking to this time" in confirm.content.decode()
    new_start = parse_qs(urlsplit(choice).query)["start"][0]
    response = client.post(url, {"token": token, "start": new_start, "timezone": "UTC"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.start.isoformat() == new_start and booking.sequence == 1
    # The link used is now stale.
    stale = client.get(url, {"token": token})
    assert stale.status_code == 403 and "the booking has changed" in stale.content.decode()


def test_the_booking_own_time_is_offered_when_rescheduling(client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    token = make_token(booking, Purpose.RESCHEDULE)
    picker = client.get(
        f"/booking/{booking.uid}/reschedule/",
        {"token": token, "tz": "America/New_York", "date": "2026-03-02"},
    )
    assert ">10:00<" in picker.content.decode()


@pytest.mark.parametrize("purpose", [Purpose.VIEW, Purpose.CANCEL])
def test_wrong_or_forged_tokens_get_a_friendly_page(client, frozen_now, intro, purpose):
    booking = book(intro, at("2026-03-02 10:00"))
    wrong = make_token(booking, Purpose.RESCHEDULE)
    path = "" if purpose is Purpose.VIEW else "cancel/"
    for token in (wrong, "forged", ""):
        response = client.get(f"/booking/{booking.uid}/{path}", {"token": token})
        assert response.status_code == 403
        assert "link" in response.content.decode().lower()
    response = client.post(f"/booking/{booking.uid}/cancel/", {"token": wrong})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_expired_links_say_so(client, intro, settings):
    import time_machine

    with time_machine.travel(at("2026-02-27 10:00"), tick=False):
        booking = book(intro, at("2026-03-02 10:00"))
        token = make_token(booking, Purpose.VIEW)
    settings.GUEST_LINK_MAX_AGE_DAYS = 1
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        response = client.get(f"/booking/{booking.uid}/", {"token": token})
    assert response.status_code == 403 and "This link has expired" in response.content.decode()


def test_page_forms_are_csrf_protected(frozen_now, intro):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/alice/intro/book/",
        {
            "start": at("2026-03-02 10:00").isoformat(),
            "timezone": "UTC",
            "name": "G",
            "email": "g@example.com",
        },
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()
