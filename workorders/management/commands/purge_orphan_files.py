from datetime import timedelta

from django.core.management.base import BaseCommand

from workorders.files import ORPHAN_GRACE, purge_orphan_files


class Command(BaseCommand):
    help = ("Delete attachment files that no attachment record points at (left by uploads whose "
            "transaction rolled back), once older than the grace period. Beat does this daily.")

    def add_arguments(self, parser):
        parser.add_argument("--grace-hours", type=float, default=ORPHAN_GRACE.total_seconds() / 3600)

    def handle(self, *args, grace_hours, **opts):
        deleted = purge_orphan_files(grace=timedelta(hours=grace_hours))
        self.stdout.write(f"deleted {deleted} orphan file(s)")
