"""The analytics models and API tokens in the admin: listed, searchable, read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.api_tokens import issue_api_token
from accounts.models import ApiToken
from analytics import rollup
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("admin@example.com", "admin-pass-123")
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "analytics/bookingevent",
        "analytics/dailystats",
        "analytics/pageviewcount",
        "accounts/apitoken",
    ],
)
def test_lists_open_and_search(admin_client, frozen_now, alice, intro, model):
    book(intro, at("2026-03-02 10:00"))
    rollup.rollup_dirty_days()
    issue_api_token(alice, "script")
    response = admin_client.get(f"/admin/{model}/", {"q": "alice"})
    assert response.status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403


def test_tokens_can_be_revoked_in_the_admin_and_their_hash_is_not_shown(admin_client, alice):
    token, _ = issue_api_token(alice, "script")
    page = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.token_hash not in page
    admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
