"""hCaptcha on the public forms (booking, sign-up, password reset), through django-hcaptcha-field.

Only when HCAPTCHA_SITEKEY and HCAPTCHA_SECRET are both set; otherwise the forms have no widget.
The verify call has a timeout (HCAPTCHA_TIMEOUT). When hCaptcha itself cannot be reached or
answers with an error, the form is let through, but only under the stricter
"captcha-outage-per-ip" limit, so an outage neither locks guests out nor opens the door to bots.
"""

from __future__ import annotations

import logging
from urllib.error import URLError

from django import forms
from django.conf import settings
from hcaptcha_field import hCaptchaField

from security import ratelimits

logger = logging.getLogger(__name__)

FIELD_NAME = "captcha"


def captcha_enabled() -> bool:
    return bool(settings.HCAPTCHA_SITEKEY and settings.HCAPTCHA_SECRET)


class OutageTolerantHCaptchaField(hCaptchaField):
    """Tells a wrong answer (refused) from hCaptcha being unreachable (noted, let through)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Quick check that you're a person")
        kwargs.setdefault(
            "error_messages", {"required": "Please complete the check that you're a person."}
        )
        super().__init__(sitekey=settings.HCAPTCHA_SITEKEY, **kwargs)
        self.outage = False

    def validate(self, value):
        try:
            super().validate(value)
        except forms.ValidationError as error:
            if error.code != "error_hcaptcha":  # a wrong or missing answer
                raise
            self._note_outage("hCaptcha answered with an HTTP error")
        except (URLError, TimeoutError, OSError, ValueError) as error:
            self._note_outage(f"hCaptcha could not be reached ({type(error).__name__})")

    def _note_outage(self, what: str) -> None:
        logger.warning("%s; letting the form through under the outage limit", what)
        self.outage = True


class CaptchaFormMixin:
    """Add the captcha to a form when configured; `captcha_outage` says it was skipped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if captcha_enabled():
            self.fields[FIELD_NAME] = OutageTolerantHCaptchaField()

    @property
    def captcha_outage(self) -> bool:
        field = self.fields.get(FIELD_NAME)
        return bool(field is not None and field.outage)


def outage_refusal(request, form):
    """A 429 when this form got past an hCaptcha outage more often than the outage limit."""
    if not getattr(form, "captcha_outage", False):
        return None
    return ratelimits.check(request, ["captcha-outage-per-ip"])
