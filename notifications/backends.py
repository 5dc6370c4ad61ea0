"""A Django email backend that sends through Resend's HTTP API with the `resend` package.

Each message's X-Slotbook-Delivery header becomes Resend's Idempotency-Key, so a retry of a
send whose answer was lost does not produce a second email.
"""

from __future__ import annotations

import base64
from email.utils import formataddr, parseaddr

import resend
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

IDEMPOTENCY_HEADER = "X-Slotbook-Delivery"


def _attachment(attachment) -> dict:
    if isinstance(attachment, tuple):
        filename, content, mimetype = attachment
    else:  # a MIMEBase part
        filename = attachment.get_filename()
        content = attachment.get_payload(decode=True)
        mimetype = attachment.get_content_type()
    if isinstance(content, str):
        content = content.encode()
    return {
        "filename": filename,
        "content": base64.b64encode(content).decode("ascii"),
        "content_type": mimetype,
    }


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address)) if name else address


class ResendEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        resend.api_key = settings.RESEND_API_KEY
        resend.api_url = settings.RESEND_API_URL
        sent = 0
        for message in email_messages:
            try:
                response = resend.Emails.send(self._params(message), self._options(message))
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            message.provider_message_id = str(response.get("id", ""))
            sent += 1
        return sent

    def _params(self, message) -> dict:
        params = {
            "from": _address(message.from_email or settings.DEFAULT_FROM_EMAIL),
            "to": [_address(address) for address in message.to],
            "subject": message.subject,
            "text": message.body,
        }
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                params["html"] = content
        if message.cc:
            params["cc"] = list(message.cc)
        if message.bcc:
            params["bcc"] = list(message.bcc)
        if message.reply_to:
            params["reply_to"] = list(message.reply_to)
        headers = {k: v for k, v in message.extra_headers.items() if k != IDEMPOTENCY_HEADER}
        if headers:
            params["headers"] = headers
        if message.attachments:
            params["attachments"] = [_attachment(item) for item in message.attachments]
        return params

    def _options(self, message) -> dict:
        key = message.extra_headers.get(IDEMPOTENCY_HEADER)
        return {"idempotency_key": key} if key else {}
