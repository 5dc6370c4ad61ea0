"""The Content-Security-Policy (django-csp 4 format), built from the settings that shape it.

Scripts and styles come from our own origin or carry the per-response nonce; inline event
handlers and style attributes are refused; nobody may frame the site.
hCaptcha's origins are added only when the captcha is configured.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF

HCAPTCHA_ORIGINS = ("https://hcaptcha.com", "https://*.hcaptcha.com")


def content_security_policy(hcaptcha_js_url: str | None = None) -> dict:
    captcha: list[str] = []
    if hcaptcha_js_url:
        captcha = list(HCAPTCHA_ORIGINS)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(hcaptcha_js_url))
        if origin not in captcha:
            captcha.append(origin)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE, *captcha],
            "style-src": [SELF, NONCE, *captcha],
            "img-src": [SELF, "data:"],
            "font-src": [SELF],
            "connect-src": [SELF, *captcha],
            "frame-src": captcha or [NONE],
            "object-src": [NONE],
            "base-uri": [SELF],
            # No form-action: our Connect buttons and the paid booking form answer with a
            # redirect to Google, Microsoft or Stripe, which form-action would also govern.
            "frame-ancestors": [NONE],
        },
    }
