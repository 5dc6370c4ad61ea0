from __future__ import annotations

import pytest

from availability.models import BusyBlock
from tests.conftest import at

pytestmark = pytest.mark.django_db


def test_google_connects_and_syncs(alice, intro, frozen_now, google, connect_google):
    google.add_timed(google.account, "dentist", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    connection = connect_google(alice)
    assert connection.status == "active"
    assert BusyBlock.objects.filter(host=alice, source="google").count() == 1


def test_microsoft_connects_and_syncs(alice, intro, frozen_now, microsoft, connect_microsoft):
    microsoft.add_timed(
        microsoft.primary, "dentist", at("2026-03-02 10:00"), at("2026-03-02 11:00")
    )
    connection = connect_microsoft(alice)
    assert connection.status == "active"
    assert BusyBlock.objects.filter(host=alice, source="microsoft").count() == 1
