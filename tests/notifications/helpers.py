"""Reading sent emails back: their invite, their parts."""

from __future__ import annotations

import icalendar
from django.core import mail


def invite_of(message) -> icalendar.Calendar:
    attachments = [item for item in message.attachments if item[0] == "invite.ics"]
    assert len(attachments) == 1, "every booking email carries exactly one invite"
    content = attachments[0][1]
    return icalendar.Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]
