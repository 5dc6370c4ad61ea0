"""Where a meeting happens: one registry of location kinds, read by pages, emails and invites.

Each kind says what the host types (an address, a phone number, a link), whether the guest is
asked for their own number, and how the place reads for the guest: a line of text and, where
there is one, a URL (a map, a tel: link, the meeting link). Adding a kind is one entry here
and one choice in `LocationKind`; templates and invites only call `describe_location`.

Google Meet is the one place the host does not type: Google makes the link when the booking's
event is written to the host's Google Calendar (calendars.services), and it is read from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.db import models


class LocationKind(models.TextChoices):
    NONE = "", "Not set"
    IN_PERSON = "in_person", "In person"
    PHONE_GUEST = "phone_guest", "Phone call: I call the guest"
    PHONE_HOST = "phone_host", "Phone call: the guest calls me"
    LINK = "link", "Video or meeting link"
    GOOGLE_MEET = "google_meet", "Google Meet"


@dataclass(frozen=True)
class Place:
    """A meeting place as a guest reads it."""

    kind: str
    label: str  # "In person", "Phone call", ...
    text: str  # the address, number or link; may be empty
    url: str = ""  # map, tel: or meeting link
    url_label: str = ""
    note: str = ""  # what to expect while the place is not known yet

    @property
    def is_online(self) -> bool:
        """A meeting link, which invites carry as their URL as well as their LOCATION."""
        return self.kind in ONLINE_KINDS and self.url.startswith(("https://", "http://"))

    def __str__(self) -> str:
        return f"{self.label}: {self.text}" if self.text else self.label


@dataclass(frozen=True)
class KindSpec:
    detail_label: str  # what the host is asked to type, "" when nothing
    asks_guest_phone: bool
    # (host's detail, guest's phone, meeting link made by the calendar) -> Place
    describe: Callable[[str, str, str], Place]


def _in_person(detail: str, _phone: str, _meeting_url: str) -> Place:
    map_url = f"https://www.openstreetmap.org/search?query={quote_plus(detail)}" if detail else ""
    return Place(LocationKind.IN_PERSON, "In person", detail, map_url, "Open the map")


def _phone_guest(_detail: str, phone: str, _meeting_url: str) -> Place:
    return Place(LocationKind.PHONE_GUEST, "Phone call", phone, f"tel:{phone}" if phone else "")


def _phone_host(detail: str, _phone: str, _meeting_url: str) -> Place:
    return Place(LocationKind.PHONE_HOST, "Phone call", detail, f"tel:{detail}" if detail else "")


def _link(detail: str, _phone: str, _meeting_url: str) -> Place:
    return Place(LocationKind.LINK, "Online meeting", detail, detail, "Join the meeting")


def _google_meet(_detail: str, _phone: str, meeting_url: str) -> Place:
    if meeting_url:
        return Place(
            LocationKind.GOOGLE_MEET,
            "Google Meet",
            meeting_url,
            meeting_url,
            "Join with Google Meet",
        )
    return Place(
        LocationKind.GOOGLE_MEET,
        "Google Meet",
        "",
        note="The link is created with the calendar event and follows by email.",
    )


# When no Google calendar can make the link (disconnected, or the write failed for good).
MEET_LINK_FROM_HOST = "Your host will send you the meeting link."

ONLINE_KINDS = frozenset({LocationKind.LINK, LocationKind.GOOGLE_MEET})

KINDS: dict[str, KindSpec] = {
    LocationKind.IN_PERSON: KindSpec("Address", False, _in_person),
    LocationKind.PHONE_GUEST: KindSpec("", True, _phone_guest),
    LocationKind.PHONE_HOST: KindSpec("Your phone number", False, _phone_host),
    LocationKind.LINK: KindSpec("Meeting link (https://…)", False, _link),
    LocationKind.GOOGLE_MEET: KindSpec("", False, _google_meet),
}


def describe_location(
    kind: str, detail: str, guest_phone: str = "", meeting_url: str = ""
) -> Place | None:
    """The place of a meeting, or None when the host set none.

    Event types made before kinds existed carry free text only: it reads as given."""
    spec = KINDS.get(kind)
    if spec is None:
        return Place("", "Where", detail) if detail else None
    return spec.describe(detail, guest_phone, meeting_url)


def asks_guest_phone(kind: str) -> bool:
    spec = KINDS.get(kind)
    return bool(spec and spec.asks_guest_phone)
