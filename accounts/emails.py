"""Account emails (finish signing up, already registered, password reset), built when sent.

They travel through the notifications outbox like booking emails: queued in the request,
sent by a worker, retried through an SMTP outage. The outbox row stores only the user; the
one-time link is made here, at send time, so no token sits in the database.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.headers import delivery_headers, header_safe
from notifications.models import EmailDelivery, EmailKind


def activation_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("activate", args=[uid, default_token_generator.make_token(user)])


def account_for_reset(address: str):
    """The account a reset for `address` goes to (Django's rules: active, with a usable
    password, email matched without case), or None."""
    return next(iter(PasswordResetForm().get_users(address)), None)


def _compose(delivery: EmailDelivery) -> tuple[str, str, str] | None:
    """(to, subject, body), or None when there is nobody to send to."""
    user = delivery.user
    if delivery.kind == EmailKind.PASSWORD_RESET:
        user = account_for_reset(delivery.recipient)
        if user is None:
            return None
        base = urlsplit(settings.BASE_URL)
        context = {
            "email": user.email,
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "domain": base.netloc,
            "site_name": base.netloc,
            "protocol": base.scheme,
        }
        subject = render_to_string("registration/password_reset_subject.txt", context)
        body = render_to_string("registration/password_reset_email.html", context)
        return user.email, subject, body
    if delivery.kind == EmailKind.ACCOUNT_ACTIVATION:
        template = "accounts/email/activate.txt"
        context = {"activate_url": settings.BASE_URL + activation_path(user)}
    elif delivery.kind == EmailKind.ACCOUNT_EXISTS:
        template = "accounts/email/already_registered.txt"
        context = {
            "login_url": settings.BASE_URL + reverse("login"),
            "reset_url": settings.BASE_URL + reverse("password_reset"),
        }
    else:
        raise ValueError(f"not an account email: {delivery.kind}")
    subject, _, body = render_to_string(template, context).partition("\n")
    return delivery.recipient, subject, body


def build_account_message(delivery: EmailDelivery) -> EmailMessage | None:
    """The email, or None when there is nobody to send it to (a reset for no account)."""
    composed = _compose(delivery)
    if composed is None:
        return None
    to, subject, body = composed
    return EmailMessage(
        subject=header_safe(subject),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=delivery_headers(delivery.key),
    )
