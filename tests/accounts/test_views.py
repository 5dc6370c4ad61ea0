"""Sign-up, activation, onboarding, log-in and password reset, without account enumeration."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0).replace("http://127.0.0.1:8000", "")


def test_sign_up_sends_a_link_and_the_link_sets_the_password(client, after_commit):
    response = after_commit(client.post, "/accounts/signup/", {"email": "New.Host@Example.com"})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    user = get_user_model().objects.get(email="new.host@example.com")
    assert not user.is_active and not user.has_usable_password()
    [message] = mail.outbox
    path = link_in(message)
    assert path.startswith("/accounts/activate/")
    page = client.get(path)
    assert "Choose your password" in page.content.decode()
    response = client.post(
        path, {"new_password1": "a-good-long-pass", "new_password2": "a-good-long-pass"}
    )
    assert response.status_code == 302 and response.url == "/dashboard/onboarding/"
    user.refresh_from_db()
    assert user.is_active and user.check_password("a-good-long-pass")
    # The link works once.
    assert client.get(path).status_code == 400


def test_sign_up_with_a_taken_email_looks_the_same_and_warns_the_owner(client, alice, after_commit):
    fresh = after_commit(client.post, "/accounts/signup/", {"email": "someone@example.com"})
    taken = after_commit(client.post, "/accounts/signup/", {"email": "alice@example.com"})
    fresh, taken = fresh.content.decode(), taken.content.decode()

    def normalised(html: str) -> str:
        html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
        return html.replace("someone@example.com", "X").replace("alice@example.com", "X")

    assert normalised(fresh) == normalised(taken)
    warning = [m for m in mail.outbox if m.to == ["alice@example.com"]][0]
    assert "already has an account" in warning.body
    assert get_user_model().objects.filter(email="alice@example.com").count() == 1


def test_an_unconfirmed_account_cannot_log_in_and_the_message_does_not_say_why(client):
    client.post("/accounts/signup/", {"email": "pending@example.com"})
    response = client.post(
        "/accounts/login/", {"username": "pending@example.com", "password": "anything"}
    )
    assert "don't match an account" in response.content.decode()


def test_onboarding_comes_first_then_the_dashboard(client):
    host = get_user_model().objects.create_user("fresh@example.com", "pw-for-tests-123")
    client.force_login(host)
    assert client.get("/dashboard/").url == "/dashboard/onboarding/"
    page = client.get("/dashboard/onboarding/").content.decode()
    assert "data-prefill-timezone" in page
    bad = client.post(
        "/dashboard/onboarding/",
        {"display_name": "Fresh", "handle": "admin", "timezone": "Europe/Paris"},
    )
    assert "reserved" in bad.content.decode()
    response = client.post(
        "/dashboard/onboarding/",
        {"display_name": "Fresh", "handle": "fresh", "timezone": "Europe/Paris"},
    )
    assert response.url == "/dashboard/"
    home = client.get("/dashboard/").content.decode()
    assert "http://testserver/fresh/" in home and "data-copy" in home


def test_handles_are_unique_without_case(client, alice):
    host = get_user_model().objects.create_user("fresh@example.com", "pw-for-tests-123")
    client.force_login(host)
    response = client.post(
        "/dashboard/onboarding/", {"display_name": "F", "handle": "ALICE", "timezone": "UTC"}
    )
    assert "taken" in response.content.decode()


def test_password_reset_does_not_say_whether_an_account_exists(client, alice, after_commit):
    known = after_commit(client.post, "/accounts/password-reset/", {"email": "alice@example.com"})
    unknown = after_commit(
        client.post, "/accounts/password-reset/", {"email": "nobody@example.com"}
    )
    assert known.url == unknown.url == "/accounts/password-reset/sent/"
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    path = link_in(message)
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-long-pass", "new_password2": "another-long-pass"},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-long-pass")


def test_settings_save_profile_reminders_and_manage_the_feed(client, alice):
    client.force_login(alice)
    response = client.post(
        "/dashboard/settings/",
        {
            "display_name": "Alice A",
            "handle": "alice",
            "timezone": "America/New_York",
            "wants_reminders": "on",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.wants_reminders and alice.display_name == "Alice A"
    client.post("/dashboard/settings/", {"feed": "create"})
    first = alice.calendar_feed.token
    assert first in client.get("/dashboard/settings/").content.decode()
    client.post("/dashboard/settings/", {"feed": "rotate"})
    alice.calendar_feed.refresh_from_db()
    assert alice.calendar_feed.token != first


def test_log_out_is_a_post(client, alice):
    client.force_login(alice)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302
