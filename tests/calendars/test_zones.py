"""Zone names as calendars write them: IANA, Windows (Outlook, Graph) and the unknown."""

from __future__ import annotations

import datetime as dt
import logging

from calendars.providers import base
from calendars.providers.base import zone_or
from calendars.providers.microsoft import _graph_time


def test_windows_names_map_to_their_iana_zones():
    assert zone_or("Pacific Standard Time", "UTC").key == "America/Los_Angeles"
    assert zone_or("W. Europe Standard Time", "UTC").key == "Europe/Berlin"
    assert zone_or("AUS Eastern Standard Time", "UTC").key == "Australia/Sydney"
    assert zone_or("Europe/Lisbon", "UTC").key == "Europe/Lisbon"
    assert zone_or("tzone://Microsoft/Utc", "America/New_York").key == "UTC"


def test_an_unknown_name_falls_back_to_the_host_zone_and_is_logged_once(caplog):
    base._report_unknown.cache_clear()  # other tests may have met these names already
    with caplog.at_level(logging.WARNING, logger="calendars.providers.base"):
        assert zone_or("tzone://Microsoft/Custom", "America/New_York").key == "America/New_York"
        assert zone_or("Middle Earth Standard Time", "Europe/Paris").key == "Europe/Paris"
        assert zone_or("Middle Earth Standard Time", "Europe/Paris").key == "Europe/Paris"
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 2
    assert "tzone://Microsoft/Custom" in logged[0] and "Middle Earth Standard Time" in logged[1]
    assert zone_or(None, "America/New_York").key == "America/New_York"
    assert zone_or("", "").key == "UTC"


def test_graph_times_in_a_windows_zone_keep_their_wall_time_across_dst():
    before = {"dateTime": "2026-03-06T09:00:00.0000000", "timeZone": "Pacific Standard Time"}
    after = {"dateTime": "2026-03-09T09:00:00.0000000", "timeZone": "Pacific Standard Time"}
    assert _graph_time(before) == dt.datetime(2026, 3, 6, 17, 0, tzinfo=dt.UTC)
    assert _graph_time(after) == dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC)
    unknown = {"dateTime": "2026-03-09T09:00:00", "timeZone": "Nowhere Standard Time"}
    assert _graph_time(unknown, "America/New_York") == dt.datetime(2026, 3, 9, 13, 0, tzinfo=dt.UTC)
