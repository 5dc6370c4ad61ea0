"""Calendar providers, found by name through a registry of dotted paths.

Each adapter implements calendars.providers.base.CalendarProvider; adding a provider means
adding a module and a line here.
"""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from calendars.providers.base import CalendarProvider

REGISTRY = {
    "google": "calendars.providers.google.GoogleProvider",
    "microsoft": "calendars.providers.microsoft.MicrosoftProvider",
}


@cache
def get_provider(name: str) -> CalendarProvider:
    if name not in REGISTRY:
        raise KeyError(name)
    return import_string(REGISTRY[name])()


def offered() -> list[CalendarProvider]:
    """Providers whose OAuth client is configured, in registry order."""
    return [get_provider(name) for name in REGISTRY if get_provider(name).is_configured()]
