"""Demo users: the named logins of DESIGN §8 and one account per township, grid, department and deputy."""

from django.contrib.auth.hashers import make_password

from demands.models import Department
from deputies.models import Deputy
from grids.models import Grid, Township
from portal.names import person_name

from .models import Role, User

DEFAULT_PASSWORD = "minsheng2026"
HANDLER_DEPARTMENT = "housing"  # the department the named `handler` login works in


def demo_user_rows() -> list[dict]:
    townships = list(Township.objects.order_by("sort"))
    first_township = townships[0]
    first_grid = Grid.objects.filter(township=first_township).order_by("code").first()
    departments = list(Department.objects.order_by("code"))
    handler_department = next((d for d in departments if d.code == HANDLER_DEPARTMENT), departments[0])
    deputies = list(Deputy.objects.filter(township=first_township).order_by("code")) or list(Deputy.objects.all()[:1])

    def row(username, role, **scope):
        return {"username": username, "role": role, "display_name": person_name(f"user-{username}"), **scope}

    rows = [
        {**row("admin", Role.DISPATCHER), "is_staff": True, "is_superuser": True, "display_name": "系统管理员"},
        row("dispatcher", Role.DISPATCHER),
        row("township_dispatcher", Role.DISPATCHER, township=first_township),
        row("gridworker", Role.GRID_WORKER, grid=first_grid, township=first_township),
        row("handler", Role.HANDLER, department=handler_department),
        row("supervisor", Role.SUPERVISOR),
        row("deputy", Role.DEPUTY, deputy=deputies[0], township=deputies[0].township),
        row("resident", Role.RESIDENT),
    ]
    rows += [row(f"dispatcher_{t.code}", Role.DISPATCHER, township=t) for t in townships]
    rows += [row(f"handler_{d.code}", Role.HANDLER, department=d) for d in departments]
    rows += [row(f"gw_{g.code.lower()}", Role.GRID_WORKER, grid=g, township_id=g.township_id)
             for g in Grid.objects.order_by("code")]
    rows += [row(f"deputy_{d.code.lower()}", Role.DEPUTY, deputy=d, township_id=d.township_id)
             for d in Deputy.objects.order_by("code") if d.pk != deputies[0].pk]
    return rows


def seed_users(password: str | None) -> int:
    """Create missing demo users; set every demo password only when `password` differs from the current one."""
    rows = demo_user_rows()
    existing = {u.username: u for u in User.objects.filter(username__in=[r["username"] for r in rows])}
    admin = existing.get("admin")
    needs_password = password is not None and (admin is None or not admin.check_password(password))
    hashed = make_password(password or DEFAULT_PASSWORD)  # one hash for all: hashing 500 times takes minutes
    new = [User(password=hashed, **r) for r in rows if r["username"] not in existing]
    User.objects.bulk_create(new, batch_size=500)
    if needs_password and existing:
        User.objects.filter(username__in=[r["username"] for r in rows]).update(password=hashed)
    return len(new)
