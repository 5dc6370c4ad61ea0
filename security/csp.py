"""The Content-Security-Policy (django-csp 4 format), built from the settings that shape it.

Scripts and styles come from our own origin or carry the per-response nonce; inline event
handlers and style attributes are refused; nobody may frame the site; forms post only to us.
hCaptcha's origins are added only when the captcha is configured.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF

# Where Stripe sends guests and hosts after our POST answers with a redirect.
STRIPE_HOSTED_PAGES = ("https://checkout.stripe.com", "https://connect.stripe.com")
HCAPTCHA_ORIGINS = ("https://hcaptcha.com", "https://*.hcaptcha.com")


def allow_form_redirects(request, *urls: str) -> None:
    """Let this page's forms end in a redirect to these providers (OAuth consent, Stripe
    Checkout and onboarding): form-action also governs where a POST's redirect may go."""
    origins = ["{0.scheme}://{0.netloc}".format(urlsplit(url)) for url in urls if url]
    if origins:
        request._csp_update = {"form-action": origins}


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
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        },
    }
