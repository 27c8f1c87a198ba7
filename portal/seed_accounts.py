"""Demo users: the named logins of docs/threat-model.md#actors-and-scopes and one account per township, grid, department
and deputy, and a micro-grid leader for the first micro-grid of each grid of the first township."""

from django.contrib.auth.hashers import make_password

from accounts.models import Role, User
from core.models import Department
from core.names import person_name
from deputies.models import Deputy
from grids.models import Grid, MicroGrid, Township

DEFAULT_PASSWORD = "minsheng2026"
HANDLER_DEPARTMENT = "housing"  # the department the named `handler` login works in
RESIDENT_PHONE = "13800138000"  # the demo resident's phone, filled into their submit form


def demo_user_rows() -> list[dict]:
    townships = list(Township.objects.order_by("sort"))
    first_township = townships[0]
    first_grid = Grid.objects.filter(township=first_township).order_by("code").first()
    # One 微网格员 for the first micro-grid of each grid of the first township: the demo shows the role without
    # three thousand logins.
    led = list(MicroGrid.objects.filter(grid__township=first_township, code__endswith="-01").select_related("grid")
               .order_by("code"))
    departments = list(Department.objects.order_by("code"))
    handler_department = next((d for d in departments if d.code == HANDLER_DEPARTMENT), departments[0])
    deputies = list(Deputy.objects.filter(township=first_township).order_by("code")) or list(Deputy.objects.all()[:1])

    def row(username, role, **scope):
        return {"username": username, "role": role, "display_name": person_name(f"user-{username}"), **scope}

    def deputy_row(username, deputy):
        # A deputy's login is that deputy: the header greets them with the deputy's own name.
        return {**row(username, Role.DEPUTY, deputy=deputy, township_id=deputy.township_id),
                "display_name": deputy.name}

    rows = [
        {**row("admin", Role.DISPATCHER), "is_staff": True, "is_superuser": True, "display_name": "系统管理员"},
        row("dispatcher", Role.DISPATCHER),
        row("township_dispatcher", Role.DISPATCHER, township=first_township),
        row("gridworker", Role.GRID_WORKER, grid=first_grid, township=first_township),
        *([row("microgridleader", Role.MICRO_GRID_LEADER, micro_grid=led[0], grid=led[0].grid,
               township=first_township)] if led else []),
        row("handler", Role.HANDLER, department=handler_department),
        row("supervisor", Role.SUPERVISOR),
        deputy_row("deputy", deputies[0]),
        {**row("resident", Role.RESIDENT), "phone": RESIDENT_PHONE},
    ]
    rows += [row(f"dispatcher_{t.code}", Role.DISPATCHER, township=t) for t in townships]
    rows += [row(f"handler_{d.code}", Role.HANDLER, department=d) for d in departments]
    rows += [row(f"gw_{g.code.lower()}", Role.GRID_WORKER, grid=g, township_id=g.township_id)
             for g in Grid.objects.order_by("code")]
    rows += [row(f"mgl_{m.code.lower()}", Role.MICRO_GRID_LEADER, micro_grid=m, grid=m.grid,
                 township_id=m.grid.township_id) for m in led]
    rows += [deputy_row(f"deputy_{d.code.lower()}", d)
             for d in Deputy.objects.order_by("code") if d.pk != deputies[0].pk]
    return rows


def seed_users(password: str | None) -> int:
    """Create missing demo users; set every demo password only when `password` differs from the current one."""
    rows = demo_user_rows()
    existing = {u.username: u for u in User.objects.filter(username__in=[r["username"] for r in rows])
                .select_related("deputy")}
    admin = existing.get("admin")
    needs_password = password is not None and (admin is None or not admin.check_password(password))
    hashed = make_password(password or DEFAULT_PASSWORD)  # one hash for all: hashing 500 times takes minutes
    new = [User(password=hashed, **r) for r in rows if r["username"] not in existing]
    User.objects.bulk_create(new, batch_size=500)
    _bring_in_line(existing, rows)
    if needs_password and existing:
        User.objects.filter(username__in=[r["username"] for r in rows]).update(password=hashed)
    return len(new)


def _bring_in_line(existing: dict, rows: list[dict]) -> None:
    """Existing demo users get what newer rows fix: an older seed named deputy logins with a generated name (the
    header showed someone else on a deputy's workbench), and gave the resident no phone."""
    changed = []
    for r in rows:
        user = existing.get(r["username"])
        if user is None:
            continue
        stale = False
        if user.deputy_id is not None and user.display_name != user.deputy.name:
            user.display_name, stale = user.deputy.name, True  # the deputy this login is linked to, whatever the row
        if r.get("phone") and not user.phone:
            user.phone, stale = r["phone"], True
        if stale:
            changed.append(user)
    User.objects.bulk_update(changed, ["display_name", "phone"], batch_size=500)
