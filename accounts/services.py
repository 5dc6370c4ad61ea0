"""Sign-up and activation.

Sign-up asks only for an email address and answers the same whether or not it has an
account: a new address gets a link to choose a password (which activates the account), a taken
one gets an email saying so. Choosing the password only after the email is confirmed means
nobody can pre-create an account for someone else's address with a password they know.
The links use Django's password-reset tokens, so each works once.

Every email goes through the notifications outbox (accounts.emails builds it when a worker
sends it): the request does the same small amount of work whatever the answer, and an SMTP
outage delays the email instead of losing it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from accounts.models import User
from notifications.models import EmailKind
from notifications.services import announce_account_email


@transaction.atomic
def sign_up(email: str) -> None:
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.is_active:
        announce_account_email(EmailKind.ACCOUNT_EXISTS, recipient=user.email, user=user)
        return
    if user is None:
        user = User.objects.create_user(email, None, is_active=False)
    announce_account_email(EmailKind.ACCOUNT_ACTIVATION, recipient=user.email, user=user)


def request_password_reset(email: str) -> None:
    """Queue a reset for whatever address was typed; the worker looks the account up.

    Known and unknown addresses cost the request the same (one row, one publish), so the
    answer's timing does not tell whether an account exists.
    """
    announce_account_email(EmailKind.PASSWORD_RESET, recipient=email)


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
