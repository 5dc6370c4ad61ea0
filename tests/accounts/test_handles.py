"""Public URLs find their host by handle without regard to case, through the unique index.

Every public page and API call starts with this lookup, so it must not read the whole user
table: `handle__iexact` compares UPPER(handle), which the lower(handle) index cannot serve."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from accounts.models import handle_is
from bookings.models import EventType
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _user_scans(queryset) -> list[dict]:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of test users would always be read sequentially; ask what the plan can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        explained = cursor.fetchone()[0]
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    return [node for node in _plan_nodes(plan) if node.get("Relation Name") == "accounts_user"]


def test_a_handle_matches_whatever_its_case():
    alice = make_host("alice@example.com", "Alice-Smith", "Europe/London")
    make_event_type(alice, "intro")
    users = get_user_model().objects
    assert list(users.filter(handle_is("alice-smith"))) == [alice]
    assert list(users.filter(handle_is("ALICE-SMITH"))) == [alice]
    assert not users.filter(handle_is("alice-smit")).exists()
    assert EventType.objects.public("aLiCe-SmItH", "INTRO").get().host == alice


def test_the_public_event_type_lookup_uses_the_handle_index():
    make_event_type(make_host("alice@example.com", "alice", "Europe/London"), "intro")
    (scan,) = _user_scans(EventType.objects.public("ALICE", "intro"))
    assert scan.get("Index Name") == "user_handle_unique_ci"


def test_the_host_page_lookup_uses_the_handle_index():
    make_host("alice@example.com", "alice", "Europe/London")
    (scan,) = _user_scans(get_user_model().objects.filter(handle_is("Alice"), is_active=True))
    assert scan.get("Index Name") == "user_handle_unique_ci"
