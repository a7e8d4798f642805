from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from agencies.models import WorkOrderType
from workorders import deadlines


class Command(BaseCommand):
    help = "Print when a work order submitted at DATETIME is due (Asia/Shanghai when no offset)."

    def add_arguments(self, parser):
        parser.add_argument("type", choices=WorkOrderType.values)
        parser.add_argument("datetime", help="ISO 8601, e.g. 2026-09-30T10:00 or 2026-09-30 10:00+08:00")

    def handle(self, *args, type, datetime: str, **opts):
        try:
            at = _parse(datetime)
        except ValueError:
            raise CommandError(f"Not an ISO 8601 date-time: {datetime!r}")
        dl = deadlines.compute_deadline(type, deadlines.local(at))
        line = dl.due_at.isoformat()
        if dl.provisional:
            line += " provisional"
        self.stdout.write(line)


def _parse(value: str):
    return datetime.fromisoformat(value.strip())
