from django.core.management.base import BaseCommand

from notifications.services import deliver_pending_emails


class Command(BaseCommand):
    help = "Send pending notification emails once (Celery beat does this every minute)."

    def handle(self, *args, **opts):
        self.stdout.write(f"sent {deliver_pending_emails()} email(s)")
