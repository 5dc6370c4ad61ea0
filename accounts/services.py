"""Sign-up and activation.

Sign-up asks only for an email address and answers the same whether or not it has an
account: a new address gets a link to choose a password (which activates the account), a taken
one gets an email saying so. Choosing the password only after the email is confirmed means
nobody can pre-create an account for someone else's address with a password they know.
The links use Django's password-reset tokens, so each works once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User

logger = logging.getLogger(__name__)


def _send(template: str, to: str, context: dict) -> None:
    subject, _, body = render_to_string(template, context).partition("\n")
    try:
        send_mail(subject.strip(), body.strip(), settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:  # the page must answer the same either way
        logger.exception("could not send %s", template)


def activation_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("activate", args=[uid, default_token_generator.make_token(user)])


def sign_up(email: str) -> None:
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.is_active:
        _send(
            "accounts/email/already_registered.txt",
            user.email,
            {
                "login_url": settings.BASE_URL + reverse("login"),
                "reset_url": settings.BASE_URL + reverse("password_reset"),
            },
        )
        return
    if user is None:
        user = User.objects.create_user(email, None, is_active=False)
    _send(
        "accounts/email/activate.txt",
        user.email,
        {"activate_url": settings.BASE_URL + activation_path(user)},
    )


def user_for_activation(uidb64: str, token: str) -> User | None:
    """The not-yet-active user this link was made for, or None if it is wrong or used."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not default_token_generator.check_token(user, token):
        return None
    return user


def activate(user: User, password: str) -> None:
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])


def needs_onboarding(user: User) -> bool:
    return not user.handle or not user.display_name


STARTER_HOURS = {weekday: [(dt.time(9), dt.time(17))] for weekday in range(5)}


def give_starter_setup(user: User) -> None:
    """A new host's page is never empty: Monday to Friday 09:00–17:00 and a 30-minute meeting,
    unless they already have hours or event types."""
    from availability.models import WeeklyRule
    from availability.services import set_weekly_hours
    from bookings.models import EventType

    with transaction.atomic():
        if not WeeklyRule.objects.filter(host=user).exists():
            set_weekly_hours(user, STARTER_HOURS)
        if not EventType.objects.filter(host=user).exists():
            EventType.objects.create(
                host=user, slug="30min", title="30 minute meeting", duration_minutes=30
            )
