"""Send the reminders that are due: the same code Celery beat runs every minute."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.models import Reminder, ReminderStatus
from notifications.services import dispatch_due_reminders


class Command(BaseCommand):
    help = "Turn every due reminder into its email (queued for sending), once."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the due reminders.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            due = Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=timezone.now())
            self.stdout.write(f"{due.count()} reminder(s) due; nothing sent (dry run).")
            return
        handled = dispatch_due_reminders()
        self.stdout.write(f"Handled {handled} due reminder(s).")
