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
