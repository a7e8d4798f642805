from django.core.management.base import BaseCommand

from workorders.demo import DEMO_CASES, demo_password, seed_demo


class Command(BaseCommand):
    help = "Load demo data (Tianjin agencies, courts, users per role, ~300 cases). Safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=DEMO_CASES)

    def handle(self, *args, cases, **opts):
        counts = seed_demo(cases=cases)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
        self.stdout.write(
            "demo logins (password: %s): admin, center, supervisor, judge, judge2, liaison, head, liaison2"
            % ("$DEMO_PASSWORD" if demo_password() != "Demo@2026" else "Demo@2026")
        )
