from django.core.management.base import BaseCommand

from dashboards.services import refresh_rollups


class Command(BaseCommand):
    help = "Bring the dashboards' rollup tables up to date (what the beat task dashboards.rollup runs)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild every day instead of the changed ones.")

    def handle(self, *args, full=False, **opts):
        result = refresh_rollups(full=full)
        if result.skipped:
            self.stdout.write("skipped: another rollup run holds the lock")
            return
        days = "all" if result.full else result.days
        self.stdout.write(f"rollup: days={days} reconstructed_snapshot_days={result.reconstructed_days} "
                          f"in {result.ms} ms")
