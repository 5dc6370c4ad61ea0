"""IANA timezone names: validation and the list offered to people."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    # "localtime" and bare abbreviations are not places a person lives in.
    return frozenset(
        name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC"
    )


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(known_timezones())]


def is_known_timezone(name: object) -> bool:
    return isinstance(name, str) and name in known_timezones()


def validate_timezone(name: str) -> None:
    if not is_known_timezone(name):
        raise ValidationError("%(name)s is not a known IANA timezone.", params={"name": name})


def _city(name: str) -> str:
    return name.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in sorted(known_timezones()):
        found.setdefault(_city(name).lower(), name)
    return found


def resolve_timezone(text: object) -> str | None:
    """An IANA name from what a person typed: "Europe/London", "london" or a picker label
    such as "London (GMT+0) · 07:20". None when nothing matches."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    text = text.strip()
    if is_known_timezone(text):
        return text
    city = text.split("(", 1)[0].split("·", 1)[0].strip().replace("_", " ").lower()
    return _zones_by_city().get(city)


def timezone_label(name: str, now) -> str:
    """The city, its UTC offset now and its time now: "London (GMT+0) · 07:20"."""
    local = now.astimezone(zoneinfo.ZoneInfo(name))
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    gmt = f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{_city(name)} ({gmt}) · {local:%H:%M}"
