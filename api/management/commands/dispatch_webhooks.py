from django.core.management.base import BaseCommand

from api import webhooks


class Command(BaseCommand):
    help = "Queue webhook deliveries for new work-order events and post those that are due (the beat job)."

    def handle(self, *args, **opts):
        counts = webhooks.dispatch()
        self.stdout.write("queued {created}, delivered {delivered}, failed {failed}".format(**counts))
