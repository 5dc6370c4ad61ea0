"""The host's timezone fields are the guest page's searchable picker: a box holding the zone as
people read it, which takes a picked zone, a typed city or an IANA name, and no 400-option list."""

from __future__ import annotations

import re

import pytest

from availability.zone_picker import ZonePickerField

pytestmark = pytest.mark.django_db


@pytest.fixture
def host_client(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize(
    "typed, zone",
    [
        ("Europe/London", "Europe/London"),
        ("london", "Europe/London"),
        ("London (GMT+0) · 07:20", "Europe/London"),
        ("  New York ", "America/New_York"),
    ],
)
def test_the_field_reads_a_pick_a_city_or_a_zone_name(typed, zone):
    assert ZonePickerField().clean(typed) == zone


def test_the_field_refuses_what_names_no_zone():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Type a city in that timezone"):
        ZonePickerField().clean("Atlantis")


def zone_box(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*data-zone-picker[^>]*>', html)
    assert match, f"no picker box named {name}"
    return match.group(0)


def test_settings_show_the_zone_readably_and_take_a_typed_city(host_client, alice, frozen_now):
    html = host_client.get("/dashboard/settings/").content.decode()
    box = zone_box(html, "timezone")
    assert 'value="New York (GMT-5) · 10:00"' in box and 'data-zone="America/New_York"' in box
    assert 'aria-describedby="id_timezone-help"' in box
    assert "<option" not in html  # not the list of every zone
    response = host_client.post(
        "/dashboard/settings/",
        {"display_name": "Alice", "handle": "alice", "timezone": "tokyo"},
    )
    assert response.status_code == 302, response.content.decode()[:600]
    alice.refresh_from_db()
    assert alice.timezone == "Asia/Tokyo"


def test_an_unknown_zone_is_refused_where_it_was_typed(host_client, alice):
    response = host_client.post(
        "/dashboard/settings/",
        {"display_name": "Alice", "handle": "alice", "timezone": "Atlantis"},
    )
    box = zone_box(response.content.decode(), "timezone")
    assert 'value="Atlantis"' in box and 'aria-invalid="true"' in box
    assert "id_timezone-error" in box
    alice.refresh_from_db()
    assert alice.timezone == "America/New_York"


def week(**days) -> dict:
    data = {"editor": "1"}
    for day, (start, end) in days.items():
        number = int(day[1:])
        data |= {f"day_{number}_on": "on", f"day_{number}_start": start, f"day_{number}_end": end}
    return data


def test_weekly_hours_save_with_a_zone_from_the_picker_box(host_client, alice, frozen_now):
    html = host_client.get("/dashboard/availability/").content.decode()
    box = zone_box(html, "timezone")
    assert 'value="New York (GMT-5) · 10:00"' in box
    assert "hours-timezone-help" in box and "<option" not in html.split("hours-timezone")[1][:400]
    response = host_client.post(
        "/dashboard/availability/", {**week(d0=("08:00", "12:00")), "timezone": "Berlin"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.timezone == "Europe/Berlin"


def test_weekly_hours_with_an_unknown_zone_save_nothing(host_client, alice):
    response = host_client.post(
        "/dashboard/availability/", {**week(d0=("08:00", "12:00")), "timezone": "Atlantis"}
    )
    assert response.status_code == 400
    box = zone_box(response.content.decode(), "timezone")
    assert 'value="Atlantis"' in box and 'aria-invalid="true"' in box
    assert "hours-timezone-error" in box and 'data-zone=""' in box
    alice.refresh_from_db()
    assert alice.timezone == "America/New_York"
