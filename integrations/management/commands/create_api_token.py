"""Issue a personal API token to a staff user and print it once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from integrations.models import ApiToken


class Command(BaseCommand):
    help = "Issue a personal API token (it acts with the user's own role and scope). Only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="personal token")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        _token, raw = ApiToken.issue(user=user, name=name)
        self.stdout.write(f"token for {user.username} (shown once): {raw}")
