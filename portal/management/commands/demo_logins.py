"""Print where the demo runs and who can log in."""

from django.core.management.base import BaseCommand

from accounts.models import User

NAMED = [
    ("admin", "system administrator (Django admin at /admin/)"),
    ("dispatcher", "district centre dispatcher: classifies and dispatches everywhere"),
    ("township_dispatcher", "township dispatcher"),
    ("gridworker", "grid worker"),
    ("microgridleader", "micro-grid leader (微网格员): reports and follows their micro-grid's demands"),
    ("handler", "department handler"),
    ("supervisor", "district supervisor: verifies, reopens, urges"),
    ("deputy", "people's-congress deputy"),
    ("resident", "registered resident"),
]


class Command(BaseCommand):
    help = "Print the demo URL and logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument("--password", default="")

    def handle(self, *args, url, password, **options):
        users = {u.username: u for u in User.objects.filter(username__in=[n for n, _ in NAMED]).select_related(
            "township", "grid", "micro_grid", "department", "deputy")}
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Minsheng Portal demo: {url}"))
        self.stdout.write(f"  residents: {url}submit/   staff login: {url}accounts/login/   admin: {url}admin/")
        self.stdout.write(f"  password of every demo user: {password or '(unchanged)'}")
        for username, role in NAMED:
            user = users.get(username)
            scope = ""
            if user is not None:
                scope = " · ".join(str(x) for x in (user.township, user.micro_grid or user.grid, user.department,
                                                            user.deputy) if x)
            self.stdout.write(f"  {username:<20} {role}{f' [{scope}]' if scope else ''}")
        self.stdout.write("  more: dispatcher_<township code>, handler_<department code>, gw_<grid code>, "
                          "mgl_<micro-grid code>, deputy_<deputy code> (see README)")
        self.stdout.write("")
