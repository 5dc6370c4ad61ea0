"""The guest's timezone picker: every known zone once, the guest's own selected."""

from __future__ import annotations

import re

from availability.templatetags.zone_options import timezone_options
from availability.timezones import known_timezones


def test_it_offers_every_known_zone_once_with_the_guests_selected():
    html = str(timezone_options("America/St_Johns"))
    values = re.findall(r'<option value="([^"]+)"', html)
    assert sorted(values) == sorted(known_timezones())
    assert re.findall(r'<option value="([^"]+)" selected>', html) == ["America/St_Johns"]
    assert '<option value="America/St_Johns" selected>America/St Johns</option>' in html


def test_an_unknown_zone_selects_nothing_and_is_not_echoed():
    html = str(timezone_options('"><script>x</script>'))
    assert " selected" not in html
    assert "<script>" not in html
