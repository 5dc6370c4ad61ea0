"""Show, create or rotate a host's secret calendar feed URL."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from bookings.links import absolute_url
from notifications.models import CalendarFeed


class Command(BaseCommand):
    help = "Print a host's calendar feed URL (creating it if needed); --rotate revokes the old one."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The host's login email.")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the URL; the old one stops working."
        )

    def handle(self, *args, email, rotate=False, **options):
        host = get_user_model().objects.filter(email__iexact=email).first()
        if host is None:
            raise CommandError(f"No host with the email {email}.")
        feed, created = CalendarFeed.objects.get_or_create(host=host)
        if rotate and not created:
            feed.rotate()
        self.stdout.write(absolute_url(reverse("calendar-feed", args=[feed.token])))
