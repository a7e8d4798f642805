from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from api import services


class Command(BaseCommand):
    help = "Create an API key for an agency system and print it once (the admin does the same)."

    def add_arguments(self, parser):
        parser.add_argument("agency", help="agency code, e.g. PSB")
        parser.add_argument("name", help="the agency system that will use the key")

    def handle(self, *args, agency, name, **opts):
        try:
            issued = services.api_key_create(name=name, agency=Agency.objects.get(code=agency))
        except Agency.DoesNotExist:
            raise CommandError(f"No agency with code {agency!r}")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(issued.raw)
