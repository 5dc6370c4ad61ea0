"""Hosts set up locations, questions, order and pictures; guests see them everywhere."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from PIL import Image

from bookings.ics import booking_invite
from bookings.locations import LocationKind
from bookings.models import Booking, EventType, Question, QuestionKind
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def host_client(client, alice):
    client.force_login(alice)
    return client


def event_form(**overrides) -> dict:
    return {
        "title": "Site visit",
        "slug": "",
        "description": "",
        "duration_minutes": "45",
        "duration_other": "",
        "location_kind": "in_person",
        "location": "1 Main St, Springfield",
        "minimum_notice_minutes_0": "2",
        "minimum_notice_minutes_1": "60",
        "booking_window_days": "30",
        "slot_interval_minutes": "30",
        "buffer_before_minutes_0": "0",
        "buffer_before_minutes_1": "1",
        "buffer_after_minutes_0": "15",
        "buffer_after_minutes_1": "1",
        "seats": "1",
        "remind_24h": "on",
        "is_active": "on",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "20",
        "questions-0-label": "Company",
        "questions-0-kind": "short",
        "questions-0-required": "on",
        "questions-0-choices": "",
        "questions-1-label": "Budget",
        "questions-1-kind": "choice",
        "questions-1-choices": "Small\nLarge",
        **overrides,
    }


def test_the_grouped_form_saves_units_presets_location_and_questions(host_client, alice):
    response = host_client.post("/dashboard/event-types/new/", event_form())
    assert response.status_code == 302
    made = EventType.objects.get(slug="site-visit")
    assert made.duration_minutes == 45 and made.minimum_notice_minutes == 120
    assert made.buffer_after_minutes == 15 and made.location_kind == LocationKind.IN_PERSON
    assert [(q.label, q.kind, q.required) for q in made.questions.all()] == [
        ("Company", "short", True),
        ("Budget", "choice", False),
    ]
    page = host_client.get(f"/dashboard/event-types/{made.pk}/").content.decode()
    for legend in ("Basics", "When people can book", "Confirmation and reminders", "Advanced"):
        assert legend in page
    # Help texts are tied to their fields by ids that exist.
    for described in re.findall(r'aria-describedby="([^"]+)"', page):
        for element_id in described.split():
            assert f'id="{element_id}"' in page


def test_a_custom_duration_and_bad_location_are_checked(host_client, alice):
    bad = host_client.post(
        "/dashboard/event-types/new/",
        event_form(duration_other="50", location_kind="link", location="zoom.example"),
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "starting with https://" in html and 'aria-invalid="true"' in html
    ok = host_client.post(
        "/dashboard/event-types/new/",
        event_form(duration_other="50", location_kind="link", location="https://meet.example/x"),
    )
    assert ok.status_code == 302
    assert EventType.objects.get(slug="site-visit").duration_minutes == 50


def test_a_choice_question_needs_two_options(host_client, alice):
    response = host_client.post(
        "/dashboard/event-types/new/", event_form(**{"questions-1-choices": "Only"})
    )
    assert response.status_code == 400 and "at least two options" in response.content.decode()


@pytest.fixture
def visit(alice):
    event_type = EventType.objects.create(
        host=alice,
        slug="visit",
        title="Visit",
        location_kind=LocationKind.PHONE_GUEST,
        booking_window_days=365,
    )
    Question.objects.create(event_type=event_type, label="Company", required=True, position=0)
    Question.objects.create(
        event_type=event_type,
        label="Size",
        kind=QuestionKind.CHOICE,
        choices="Small\nLarge",
        position=1,
    )
    Question.objects.create(
        event_type=event_type, label="First time?", kind=QuestionKind.CHECKBOX, position=2
    )
    return event_type


def test_guests_answer_the_questions_and_everyone_sees_the_answers(
    client, frozen_now, visit, after_commit
):
    start = at("2026-03-02 10:00").isoformat()
    page = client.get("/alice/visit/book/", {"start": start, "tz": "Europe/London"})
    html = page.content.decode()
    assert "Your phone number" in html and "Company" in html and "Large" in html
    base = {"start": start, "timezone": "Europe/London", "name": "Gina", "email": "g@example.com"}
    missing = client.post("/alice/visit/book/", base)
    assert missing.status_code == 400 and Booking.objects.count() == 0
    assert 'aria-invalid="true"' in missing.content.decode()
    answers = {"phone": "+44 20 7946 0000", "q_" + str(visit.questions.first().pk): "Acme"}
    size = visit.questions.get(label="Size")
    answers[f"q_{size.pk}"] = "Large"
    response = after_commit(client.post, "/alice/visit/book/", {**base, **answers})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.guest_phone == "+44 20 7946 0000"
    assert booking.answers == [
        {"label": "Company", "kind": "short", "value": "Acme"},
        {"label": "Size", "kind": "choice", "value": "Large"},
        {"label": "First time?", "kind": "checkbox", "value": "No"},
    ]
    confirmation = client.get(response.url).content.decode()
    assert "Acme" in confirmation and "Phone call" in confirmation
    host_mail = next(message for message in mail.outbox if "alice@example.com" in message.to)
    assert "Company: Acme" in host_mail.body and "Size: Large" in host_mail.body
    assert "Where: Phone call: +44 20 7946 0000" in host_mail.body


def test_every_location_kind_reaches_the_invite(frozen_now, alice):
    cases = {
        LocationKind.IN_PERSON: ("1 Main St", "1 Main St", None),
        LocationKind.PHONE_HOST: ("+1 555 0100", "+1 555 0100", None),
        LocationKind.LINK: ("https://meet.example/abc", "https://meet.example/abc", "abc"),
    }
    for index, (kind, (detail, location, url_part)) in enumerate(cases.items()):
        event_type = EventType.objects.create(
            host=alice,
            slug=f"kind-{index}",
            title="Kind",
            location_kind=kind,
            location=detail,
            booking_window_days=365,
        )
        booking = book(event_type, at(f"2026-03-0{index + 2} 10:00"))
        invite = booking_invite(booking).decode()
        assert f"LOCATION:{location}" in invite
        assert ("URL:" in invite) == bool(url_part)


def test_the_bookings_export_has_the_answers_as_columns(client, frozen_now, alice, visit):
    book(
        visit,
        at("2026-03-02 10:00"),
        name="=HYPERLINK(1)",
        guest_phone="123",
        answers=[{"label": "Company", "kind": "short", "value": "Acme"}],
    )
    client.force_login(alice)
    response = client.get("/dashboard/bookings/export.csv", {"tab": "upcoming"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-1] == "Company" and rows[1][-1] == "Acme"
    assert rows[1][0] == "2026-03-02 10:00"
    assert rows[1][5] == "'=HYPERLINK(1)"  # no formula injection into the host's spreadsheet


def test_event_types_are_shown_in_the_order_the_host_chooses(client, alice, intro, consult):
    client.force_login(alice)
    names = lambda: list(EventType.objects.for_host(alice).values_list("slug", flat=True))  # noqa: E731
    first = names()[0]
    second = EventType.objects.get(slug=names()[1])
    client.post(f"/dashboard/event-types/{second.pk}/move/", {"direction": "up"})
    assert names()[0] == second.slug and names()[1] == first
    html = client.get("/alice/").content.decode()
    assert html.index(f"/alice/{second.slug}/") < html.index(f"/alice/{first}/")


def test_a_dragged_order_is_saved_whole_and_a_stale_one_refused(client, alice, bob, intro, consult):
    from tests.conftest import make_event_type

    third = make_event_type(alice, "third")
    bobs = make_event_type(bob, "bobs")
    client.force_login(alice)
    slugs = lambda: list(EventType.objects.for_host(alice).values_list("slug", flat=True))  # noqa: E731
    response = client.post(
        "/dashboard/event-types/order/", {"order": [third.pk, intro.pk, consult.pk]}
    )
    assert response.status_code == 200
    assert slugs() == ["third", "intro", "consult"]
    html = client.get("/alice/").content.decode()
    assert html.index("/alice/third/") < html.index("/alice/intro/") < html.index("/alice/consult/")
    # A list from a stale page (a type missing, one repeated, someone else's, not numbers).
    for order in (
        [intro.pk, consult.pk],
        [intro.pk, intro.pk, consult.pk],
        [intro.pk, consult.pk, bobs.pk],
        ["x", "y", "z"],
        [],
    ):
        response = client.post("/dashboard/event-types/order/", {"order": order})
        assert response.status_code == 409
        assert response.json()["code"] == "stale_order"
        assert slugs() == ["third", "intro", "consult"]


def test_a_host_uploads_a_picture_that_is_resized_and_served(client, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(alice)
    picture = io.BytesIO()
    Image.new("RGB", (1200, 800), "orange").save(picture, "PNG")
    picture.name = "me.png"
    picture.seek(0)
    response = client.post(
        "/dashboard/settings/",
        {
            "display_name": "Alice",
            "handle": "alice",
            "timezone": "America/New_York",
            "bio": "I fix things.",
            "picture": picture,
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.bio == "I fix things." and alice.avatar.startswith("avatars/")
    served = client.get("/avatars/alice/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as stored:
        assert stored.size == (256, 256)
    page = client.get("/alice/").content.decode()
    assert "/avatars/alice/" in page and "I fix things." in page


def test_a_file_that_is_not_a_picture_is_refused(client, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(alice)
    fake = io.BytesIO(b"not a picture")
    fake.name = "me.png"
    response = client.post(
        "/dashboard/settings/",
        {"display_name": "Alice", "handle": "alice", "timezone": "UTC", "picture": fake},
    )
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    alice.refresh_from_db()
    assert alice.avatar == ""


def test_new_hosts_start_with_weekday_hours_and_a_30_minute_meeting(client, django_user_model):
    from availability.services import weekly_hours

    host = django_user_model.objects.create_user("new@example.com", "pw-for-tests-123")
    client.force_login(host)
    client.post(
        "/dashboard/onboarding/",
        {"display_name": "Nia", "handle": "nia", "timezone": "Europe/Paris"},
    )
    hours = weekly_hours(host)
    assert all(len(hours[day]) == 1 for day in range(5)) and hours[5] == hours[6] == []
    assert EventType.objects.get(host=host).duration_minutes == 30
    assert "30 minute meeting" in client.get("/nia/").content.decode()


def test_the_favicon_is_served_without_a_redirect(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


def test_the_api_asks_the_event_types_questions_too(client, frozen_now, visit):
    import json

    body = {
        "start": at("2026-03-02 10:00").isoformat(),
        "name": "Gina",
        "email": "g@example.com",
        "timezone": "UTC",
    }
    url = "/api/v1/alice/visit/bookings"
    refused = client.post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    details = refused.json()["details"]
    assert "phone" in details and f"q_{visit.questions.first().pk}" in details
    company = visit.questions.first()
    body.update({"phone": "123", f"q_{company.pk}": "Acme"})
    made = client.post(url, json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.json()
    assert Booking.objects.get().answers[0] == {
        "label": "Company",
        "kind": "short",
        "value": "Acme",
    }


def google_calendar_for_bookings(host, provider="google"):
    from calendars.models import Calendar, Connection

    connection = Connection.objects.create(
        host=host, provider=provider, account_email=f"{host.handle}@{provider}.example"
    )
    return Calendar.objects.create(
        connection=connection,
        host=host,
        external_id="primary",
        name="Work",
        can_write=True,
        receives_bookings=True,
    )


def test_google_meet_is_offered_once_a_google_calendar_takes_bookings(host_client, alice):
    page = host_client.get("/dashboard/event-types/new/").content.decode()
    assert "Google Meet (connect Google Calendar first)" in page
    response = host_client.post(
        "/dashboard/event-types/new/", event_form(location_kind="google_meet", location="")
    )
    assert response.status_code == 400
    assert "Connect Google Calendar under Calendars" in response.content.decode()
    assert not EventType.objects.filter(host=alice, slug="site-visit").exists()

    google_calendar_for_bookings(alice)
    page = host_client.get("/dashboard/event-types/new/").content.decode()
    assert ">Google Meet</option>" in page and "connect Google Calendar first" not in page
    response = host_client.post(
        "/dashboard/event-types/new/",
        event_form(location_kind="google_meet", location="left over from another kind"),
    )
    assert response.status_code == 302, response.content.decode()[:500]
    saved = EventType.objects.get(host=alice, slug="site-visit")
    assert saved.location_kind == LocationKind.GOOGLE_MEET and saved.location == ""
    assert "Google Meet" in host_client.get(f"/alice/{saved.slug}/").content.decode()


def test_an_outlook_calendar_does_not_make_google_meet_links(host_client, alice):
    google_calendar_for_bookings(alice, provider="microsoft")
    response = host_client.post(
        "/dashboard/event-types/new/", event_form(location_kind="google_meet", location="")
    )
    assert response.status_code == 400


def test_a_meet_type_without_google_says_so_in_the_list(host_client, alice, intro):
    intro.location_kind = LocationKind.GOOGLE_MEET
    intro.save(update_fields=["location_kind"])
    listing = host_client.get("/dashboard/event-types/").content.decode()
    assert "no Meet links" in listing and 'href="/dashboard/calendars/"' in listing
    google_calendar_for_bookings(alice)
    listing = host_client.get("/dashboard/event-types/").content.decode()
    assert "Google Meet" in listing and "no Meet links" not in listing
