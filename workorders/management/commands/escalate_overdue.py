import json

from django.core.management.base import BaseCommand

from workorders.sweep import escalate_due


class Command(BaseCommand):
    help = "Run the escalation sweep once (the same one Celery beat runs every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **opts):
        result = escalate_due(batch_size=batch_size)
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
