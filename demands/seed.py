"""Reference data for demands: the category tree, departments and the default SLA policy (docs/lifecycles.md#sla-clock)."""

from core.seeding import sync_rows

from .catalog import CATEGORY_TREE, DEPARTMENTS
from core.models import Department
from .models import Category, DemandType, SlaPolicy, Urgency

H, WD = SlaPolicy.Unit.HOURS, SlaPolicy.Unit.WORKING_DAYS
# (type, accept within, resolve within, verified automatically)
NORMAL_SLA = [
    (DemandType.CONSULTATION, (1, WD), (24, H), True),
    (DemandType.HELP, (1, WD), (3, WD), False),
    (DemandType.COMPLAINT, (1, WD), (5, WD), False),
    (DemandType.REPORT, (1, WD), (5, WD), False),
    (DemandType.SUGGESTION, (1, WD), (15, WD), False),
]
URGENT_SLA = ((2, H), (24, H))


def seed_categories() -> dict[str, Category]:
    tops = sync_rows(Category, [
        {"code": code, "name": name, "parent": None, "sort": i + 1}
        for i, (code, name, _children) in enumerate(CATEGORY_TREE)
    ])
    children = [
        {"code": sub_code, "name": sub_name, "parent": tops[code], "sort": j + 1}
        for code, _name, subs in CATEGORY_TREE
        for j, (sub_code, sub_name) in enumerate(subs)
    ]
    return {**tops, **sync_rows(Category, children)}


def seed_departments(categories: dict[str, Category]) -> dict[str, Department]:
    departments = sync_rows(Department, [
        {"code": code, "name": name, "short_name": short} for code, name, short, _cats in DEPARTMENTS
    ])
    through = Department.categories.through
    wanted = set()
    for code, _name, _short, cats in DEPARTMENTS:
        for cat in cats:
            # A department named for a top-level category handles all of its sub-categories.
            codes = [cat] + [c for c in categories if c.startswith(f"{cat}.")] if "." not in cat else [cat]
            wanted |= {(departments[code].pk, categories[c].pk) for c in codes}
    existing = set(through.objects.filter(department__in=departments.values()).values_list("department_id", "category_id"))
    through.objects.bulk_create([through(department_id=d, category_id=c) for d, c in sorted(wanted - existing)])
    return departments


def seed_sla_policy() -> None:
    """Create missing rows only: admins may have edited the policy since the first run."""
    for demand_type, accept, resolve, auto in NORMAL_SLA:
        SlaPolicy.objects.get_or_create(
            type=demand_type, urgency=Urgency.NORMAL,
            defaults={"accept_within": accept[0], "accept_unit": accept[1], "resolve_within": resolve[0],
                      "resolve_unit": resolve[1], "auto_verify": auto},
        )
        SlaPolicy.objects.get_or_create(
            type=demand_type, urgency=Urgency.URGENT,
            defaults={"accept_within": URGENT_SLA[0][0], "accept_unit": URGENT_SLA[0][1],
                      "resolve_within": URGENT_SLA[1][0], "resolve_unit": URGENT_SLA[1][1]},
        )


def departments_for(category: Category) -> list[Department]:
    return list(Department.objects.filter(categories=category, is_active=True))
