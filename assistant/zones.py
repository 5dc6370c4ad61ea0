"""Timezones people name in a message: abbreviations, cities, countries and "your time".

Abbreviations are read only in capitals (ET, PT, CET, IST) because in other languages many are
words ("et", "est", "ist"); spelled out with "time" ("eastern time") any case will do. City
names come from the IANA database itself; a short list of well-known cities may stand alone
("Sydney"), the rest need "in <city>" or "<city> time", so a word like "Reunion" or
"Christmas" is never taken for a place.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from availability.timezones import known_timezones

ABBREVIATIONS = {
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CT": "America/Chicago",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "UTC": "UTC",
    "GMT": "UTC",
    "BST": "Europe/London",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "IST": "Asia/Kolkata",
    "PKT": "Asia/Karachi",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "ACST": "Australia/Adelaide",
    "AWST": "Australia/Perth",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
    "BRT": "America/Sao_Paulo",
}

# Spelled-out names that need "time" after them ("eastern time", "UK time").
SPELLED_WITH_TIME = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
    "greenwich": "UTC",
    "universal": "UTC",
    "central european": "Europe/Berlin",
    "indian": "Asia/Kolkata",
    "japanese": "Asia/Tokyo",
    **{name.lower(): zone for name, zone in ABBREVIATIONS.items()},
}

# Places not in the IANA names, or better known by another name.
ALIASES = {
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "philadelphia": "America/New_York",
    "east coast": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "california": "America/Los_Angeles",
    "west coast": "America/Los_Angeles",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "texas": "America/Chicago",
    "montreal": "America/Toronto",
    "uk": "Europe/London",
    "england": "Europe/London",
    "britain": "Europe/London",
    "scotland": "Europe/London",
    "edinburgh": "Europe/London",
    "manchester": "Europe/London",
    "ireland": "Europe/Dublin",
    "germany": "Europe/Berlin",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "france": "Europe/Paris",
    "spain": "Europe/Madrid",
    "barcelona": "Europe/Madrid",
    "italy": "Europe/Rome",
    "milan": "Europe/Rome",
    "netherlands": "Europe/Amsterdam",
    "switzerland": "Europe/Zurich",
    "geneva": "Europe/Zurich",
    "india": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "japan": "Asia/Tokyo",
    "osaka": "Asia/Tokyo",
    "china": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "korea": "Asia/Seoul",
    "australia": "Australia/Sydney",
    "canberra": "Australia/Sydney",
    "new zealand": "Pacific/Auckland",
    "wellington": "Pacific/Auckland",
    "brazil": "America/Sao_Paulo",
    "rio": "America/Sao_Paulo",
    "mexico": "America/Mexico_City",
    "hawaii": "Pacific/Honolulu",
    "israel": "Asia/Jerusalem",
    "tel aviv": "Asia/Jerusalem",
    "uae": "Asia/Dubai",
    "abu dhabi": "Asia/Dubai",
    "saigon": "Asia/Ho_Chi_Minh",
}

# Cities that may be named alone, with no "in" or "time".
WELL_KNOWN = {
    "new york",
    "los angeles",
    "chicago",
    "denver",
    "toronto",
    "vancouver",
    "london",
    "dublin",
    "lisbon",
    "paris",
    "berlin",
    "madrid",
    "rome",
    "amsterdam",
    "brussels",
    "zurich",
    "vienna",
    "stockholm",
    "oslo",
    "copenhagen",
    "helsinki",
    "warsaw",
    "prague",
    "athens",
    "istanbul",
    "moscow",
    "dubai",
    "kolkata",
    "mumbai",
    "delhi",
    "bangalore",
    "singapore",
    "hong kong",
    "shanghai",
    "beijing",
    "tokyo",
    "seoul",
    "sydney",
    "melbourne",
    "brisbane",
    "perth",
    "auckland",
    "sao paulo",
    "buenos aires",
    "mexico city",
    "san francisco",
    "seattle",
    "boston",
    "nyc",
}

# IANA city names that are also ordinary words or people's names.
NOT_PLACES = {
    "casey",
    "davis",
    "palmer",
    "regina",
    "center",
    "knox",
    "troll",
    "christmas",
    "easter",
    "reunion",
    "wake",
    "midway",
    "resolute",
    "oral",
    "stanley",
    "virgin",
    "eastern",
    "central",
    "mountain",
    "pacific",
    "universal",
    "zulu",
    "factory",
}

PLACE_AREAS = ("America", "Europe", "Asia", "Africa", "Australia", "Pacific", "Atlantic", "Indian")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Lowercase place name -> IANA zone."""
    found: dict[str, str] = {}
    for name in sorted(known_timezones()):
        area, _, rest = name.partition("/")
        if area not in PLACE_AREAS or not rest:
            continue
        city = strip_accents(rest.rsplit("/", 1)[-1].replace("_", " ")).lower()
        if any(char.isdigit() for char in city) or city in NOT_PLACES:
            continue
        found.setdefault(city, name)
    found.update(ALIASES)
    return found


@lru_cache(maxsize=1)
def place_alternatives() -> str:
    """Every place name as one regex alternation, longest first."""
    return "|".join(re.escape(name) for name in sorted(places(), key=len, reverse=True))


@lru_cache(maxsize=1)
def iana_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in known_timezones()}


def zone_label(zone_name: str) -> str:
    """'Europe/London' -> 'London time'; 'UTC' -> 'UTC'."""
    if "/" not in zone_name:
        return zone_name
    return f"{zone_name.rsplit('/', 1)[-1].replace('_', ' ')} time"
