"""Issue a personal API token for a host and print it once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import issue_api_token
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Issue a personal API token for the host with this email and print it once; only its "
        "hash is stored, so copy it now. Revoke it on the host's settings page or in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="Issued by ops", help="A label the host will see.")

    def handle(self, *args, email: str, name: str, **options):
        host = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if host is None:
            raise CommandError(f"No active account has the email {email!r}.")
        token, raw = issue_api_token(host, name)
        self.stdout.write(raw)
        self.stderr.write(f"Issued “{token.name}” ({token.prefix}…) for {host.email}.")
