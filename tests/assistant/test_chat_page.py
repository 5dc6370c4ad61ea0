"""The chat page: server-rendered turns, htmx partials, follow-ups that refine the last intent,
and proposal buttons that open the usual booking form."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bookings.models import Booking
from tests.conftest import make_event_type

pytestmark = pytest.mark.django_db
PAGE = "/alice/assistant/"


def say(client, message, timezone="America/New_York", htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(PAGE, {"message": message, "timezone": timezone}, **headers)


def last_intent(client, alice):
    return client.session[f"assistant:{alice.pk}"]["intent"]


def test_the_host_page_links_to_the_assistant(client, frozen_now, alice, intro):
    page = client.get("/alice/").content.decode()
    assert 'href="/alice/assistant/"' in page


def test_the_page_shows_a_form_without_inline_script_or_style(client, frozen_now, alice, intro):
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="message"' in html and 'hx-post="/alice/assistant/"' in html
    assert "<script>" not in html and "style=" not in html and " onclick=" not in html
    assert "/static/js/assistant.js" in html


def test_an_event_type_named_assistant_does_not_hide_the_page(client, frozen_now, alice):
    make_event_type(alice, "assistant")
    assert client.get(PAGE).status_code == 200


def test_a_message_shows_the_understanding_and_proposal_buttons(client, frozen_now, alice, intro):
    response = say(client, "next Tuesday afternoon London time", timezone="Asia/Tokyo")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="assistant-chat"')  # the htmx partial
    assert "Intro (30 min) \u00b7 Tuesday 3 March, 12:00\u201317:00 London time" in html
    assert html.count('class="button assistant-proposal"') == 5
    link = html.split('class="button assistant-proposal" href="')[1].split('"')[0]
    url = urlsplit(link.replace("&amp;", "&"))
    assert url.path == "/alice/intro/book/"
    assert parse_qs(url.query) == {"start": ["2026-03-03T14:00:00+00:00"], "tz": ["Asia/Tokyo"]}
    form = client.get(f"{url.path}?{url.query}")
    assert form.status_code == 200
    assert 'value="2026-03-03T14:00:00+00:00"' in form.content.decode()
    assert Booking.objects.count() == 0


def test_follow_ups_refine_the_last_intent(client, frozen_now, alice, intro, consult):
    say(client, "an intro next Tuesday afternoon")
    assert last_intent(client, alice)["earliest"] == 12 * 60
    say(client, "later")
    refined = last_intent(client, alice)
    assert (refined["start"], refined["earliest"], refined["latest"]) == (
        "2026-03-03",
        17 * 60,
        None,
    )
    say(client, "what about Thursday?")
    refined = last_intent(client, alice)
    assert (refined["start"], refined["end"], refined["earliest"]) == (
        "2026-03-05",
        "2026-03-05",
        17 * 60,
    )
    html = say(client, "an hour instead").content.decode()
    refined = last_intent(client, alice)
    assert (refined["event_type"], refined["duration_minutes"], refined["start"]) == (
        "consult",
        60,
        "2026-03-05",
    )
    assert "Consult (60 min) \u00b7 Thursday 5 March" in html


def test_start_over_forgets_the_conversation(client, frozen_now, alice, intro):
    say(client, "next Tuesday")
    client.post(PAGE, {"reset": "1"}, HTTP_HX_REQUEST="true")
    assert client.session[f"assistant:{alice.pk}"] == {"turns": [], "intent": None}


def test_without_javascript_a_post_redirects_back_to_the_page(client, frozen_now, alice, intro):
    response = say(client, "Monday morning", htmx=False)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Monday 2 March, 08:00\u201312:00" in page


def test_empty_and_huge_messages_get_a_friendly_error(client, frozen_now, alice, intro):
    empty = say(client, "   ", htmx=False)
    assert empty.status_code == 400
    assert "Write what you are looking for" in empty.content.decode()
    huge = say(client, "x" * 1001)
    assert huge.status_code == 200  # htmx swaps only 2xx answers
    assert "Keep it under 1,000 characters" in huge.content.decode()


def test_hostile_text_is_shown_escaped(client, frozen_now, alice, intro):
    html = say(client, "<script>alert(1)</script> tomorrow").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hosts_cannot_name_an_event_type_assistant(client, alice):
    from tests.bookings.test_dashboard import EVENT_FORM

    client.force_login(alice)
    response = client.post("/dashboard/event-types/new/", {**EVENT_FORM, "slug": "assistant"})
    assert response.status_code == 400
    assert "taken by another page" in response.content.decode()


def test_a_question_comes_with_answer_buttons_that_carry_the_request_on(
    client, frozen_now, alice, intro, consult
):
    html = say(client, "Monday afternoon", timezone="Europe/London").content.decode()
    assert "Which kind of meeting would you like: Consult (60 min), Intro (30 min)?" in html
    assert 'name="message" value="Intro"' in html
    assert '<input type="hidden" name="timezone" value="Europe/London">' in html
    html = say(client, "Intro", timezone="Europe/London").content.decode()
    assert "Intro (30 min) \u00b7 Monday 2 March, 12:00\u201317:00 London time" in html
    assert html.count('class="button assistant-proposal"') == 5


def test_a_host_without_event_types_is_not_taking_bookings(client, frozen_now, alice):
    html = client.get(PAGE).content.decode()
    assert "Alice is not taking bookings right now." in html
    assert 'name="message"' not in html
    answer = client.post(
        "/api/v1/alice/assistant", '{"message": "tomorrow"}', content_type="application/json"
    ).json()
    assert answer["reply"] == "Alice is not taking bookings right now."
    assert answer["proposals"] == []


def test_unknown_or_inactive_hosts_are_404(client, frozen_now, alice, intro):
    assert client.get("/nobody/assistant/").status_code == 404
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get(PAGE).status_code == 404
