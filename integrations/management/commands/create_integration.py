"""Register an integration client and print its API token once."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from grids.models import Township
from integrations.models import Integration
from integrations.services import integration_create


class Command(BaseCommand):
    help = "Create an integration (e.g. a 12345 hotline) and print its token. Only a hash of the token is stored."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--townships", nargs="*", default=[], help="township codes or names (default: all)")
        parser.add_argument("--callback-url", default="")

    def handle(self, *args, name, townships, callback_url, **options):
        if Integration.objects.filter(name=name).exists():
            raise CommandError(f"An integration named {name!r} already exists.")
        chosen = []
        for key in townships:
            township = Township.objects.filter(code=key).first() or Township.objects.filter(name=key).first()
            if township is None:
                raise CommandError(f"Unknown township: {key}")
            chosen.append(township)
        secret = secrets.token_hex(32) if callback_url else ""
        integration, raw = integration_create(name=name, townships=chosen, callback_url=callback_url,
                                              callback_secret=secret)
        self.stdout.write(f"integration: {integration.name}")
        self.stdout.write(f"scope: {', '.join(t.name for t in chosen) or 'whole district'}")
        self.stdout.write(f"token (shown once): {raw}")
        if secret:
            self.stdout.write(f"callback secret (shown once): {secret}")
