"""The optional language model: the real `openai` client against a local fake server. Its intent
is used when valid; errors, timeouts and invalid output fall back to the parser."""

from __future__ import annotations

import json
import time

import pytest

from bookings.models import Booking
from tests.conftest import make_event_type
from tests.fakes.chat_completions_server import FakeChatCompletions

pytestmark = pytest.mark.django_db
URL = "/api/v1/alice/assistant"

THURSDAY_CONSULT = {
    "event_type": "consult",
    "duration_minutes": 60,
    "start": "2026-03-05",
    "end": "2026-03-05",
    "earliest": "13:00",
    "latest": "16:00",
    "timezone": "America/New_York",
}
# What the parser reads from the message used below.
PARSED_TUESDAY = {"start": "2026-03-03", "end": "2026-03-03", "earliest": "12:00"}


@pytest.fixture
def model(settings):
    fake = FakeChatCompletions().start()
    settings.ASSISTANT_LLM_URL = fake.url
    settings.ASSISTANT_LLM_MODEL = "tiny-scheduler"
    settings.ASSISTANT_LLM_API_KEY = fake.api_key
    yield fake
    fake.stop()


def ask(client, message="next Tuesday afternoon please"):
    response = client.post(URL, json.dumps({"message": message}), content_type="application/json")
    assert response.status_code == 200
    return response.json()


def assert_parser_answered(answer):
    assert {key: answer["intent"][key] for key in PARSED_TUESDAY} == PARSED_TUESDAY


def test_the_models_intent_is_used_when_valid(
    client, frozen_now, alice, intro, consult, bob, model
):
    make_event_type(bob, "bobs-secret-retreat", title="Bob's secret retreat")
    model.answer_with(json.dumps(THURSDAY_CONSULT))
    answer = ask(client)
    assert answer["intent"] == THURSDAY_CONSULT
    assert [proposal["start"] for proposal in answer["proposals"]] == [
        "2026-03-05T13:00:00-05:00",
        "2026-03-05T14:00:00-05:00",
        "2026-03-05T15:00:00-05:00",
    ]
    (request,) = model.requests
    assert model.headers[0]["authorization"] == "Bearer sk-test-key"
    assert request["model"] == "tiny-scheduler"
    assert request["messages"][-1] == {"role": "user", "content": "next Tuesday afternoon please"}
    system = request["messages"][0]["content"]
    assert '"slug": "consult"' in system and '"slug": "intro"' in system
    assert "Today is 2026-02-27 (Friday)" in system
    # The model sees only this host's event types, and nothing is booked.
    assert "bobs-secret" not in system and "bob" not in system.lower()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "content",
    [
        "Sure! Thursday works.",
        json.dumps({**THURSDAY_CONSULT, "event_type": "bobs-secret-retreat"}),
        json.dumps({**THURSDAY_CONSULT, "start": "2026-02-30"}),
        json.dumps({**THURSDAY_CONSULT, "timezone": "Mars/Olympus"}),
        json.dumps({**THURSDAY_CONSULT, "earliest": "25:00"}),
        json.dumps({**THURSDAY_CONSULT, "end": "2026-03-01"}),
        json.dumps({**THURSDAY_CONSULT, "end": "2027-03-05"}),
        json.dumps({key: value for key, value in THURSDAY_CONSULT.items() if key != "start"}),
        json.dumps({**THURSDAY_CONSULT, "book": True}),
        json.dumps([THURSDAY_CONSULT]),
    ],
)
def test_invalid_model_output_falls_back_to_the_parser(
    client, frozen_now, alice, intro, consult, model, content
):
    model.answer_with(content)
    assert_parser_answered(ask(client))
    assert len(model.requests) == 1


@pytest.mark.parametrize("status", [500, 503, 429, 400])
def test_model_errors_fall_back_to_the_parser(client, frozen_now, alice, intro, model, status):
    model.fail_with(status)
    assert_parser_answered(ask(client))
    assert len(model.requests) == 1  # no retries: the guest is waiting


def test_a_wrong_key_falls_back_to_the_parser(client, frozen_now, alice, intro, model, settings):
    settings.ASSISTANT_LLM_API_KEY = "sk-wrong"
    model.answer_with(json.dumps(THURSDAY_CONSULT))
    assert_parser_answered(ask(client))


def test_a_slow_model_is_given_up_after_three_seconds(client, frozen_now, alice, intro, model):
    model.answer_slowly(6, json.dumps(THURSDAY_CONSULT))
    started = time.monotonic()
    answer = ask(client)
    elapsed = time.monotonic() - started
    assert_parser_answered(answer)
    assert 2.9 <= elapsed < 5


def test_without_configuration_the_model_is_never_asked(
    client, frozen_now, alice, intro, model, settings
):
    settings.ASSISTANT_LLM_URL = None
    assert_parser_answered(ask(client))
    assert model.requests == []


def test_follow_ups_on_the_page_use_the_parser(client, frozen_now, alice, intro, consult, model):
    model.answer_with(json.dumps(THURSDAY_CONSULT))
    client.post(
        "/alice/assistant/", {"message": "something for Thursday", "timezone": "America/New_York"}
    )
    client.post("/alice/assistant/", {"message": "later", "timezone": "America/New_York"})
    intent = client.session[f"assistant:{alice.pk}"]["intent"]
    assert (intent["start"], intent["earliest"], intent["latest"]) == ("2026-03-05", 16 * 60, None)
    assert len(model.requests) == 1
