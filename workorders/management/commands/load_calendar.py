from django.core.management.base import BaseCommand, CommandError

from workorders.calendar import calendar_load_year, official_years


class Command(BaseCommand):
    help = "Load the official Chinese holiday schedule (chinesecalendar) into the calendar table."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append",
                            help="Year to (re)load; repeat for several. Default: every year known.")

    def handle(self, *args, year=None, **opts):
        known = official_years()
        years = year or list(known)
        for y in years:
            if y not in known:
                raise CommandError(f"No official schedule for {y}; known years: {known.start}–{known.stop - 1}.")
        moved = 0
        for y in years:
            moved += calendar_load_year(year=y)
        self.stdout.write(f"loaded {len(years)} year(s) {min(years)}–{max(years)}; {moved} open deadline(s) recomputed")
