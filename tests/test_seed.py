"""seed_bazhou: exact published counts, idempotent, and demo histories that obey the transition table."""

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from accounts.models import Role, User
from core.models import Department
from demands.models import Category, Demand, DemandEvent, SlaPolicy
from demands.states import TRANSITIONS, Status
from grids.models import Community, Grid, MicroGrid, Township

pytestmark = pytest.mark.django_db

TOP_CODES = ["roads_traffic", "water_power_gas", "environment", "sanitation", "housing_property", "public_safety",
             "social_security", "health", "education", "labor_employment", "agriculture_rural", "market_regulation",
             "government_services", "other"]


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Township, Community, Grid, MicroGrid, Category, Department, SlaPolicy, User)
    }


def test_seed_twice_gives_exact_counts_and_changes_nothing():
    call_command("seed_bazhou", password="demo-pass-1")
    first = snapshot()
    call_command("seed_bazhou", password="demo-pass-1")
    assert snapshot() == first
    assert Township.objects.count() == 22
    assert Grid.objects.count() == 372
    assert MicroGrid.objects.count() == 3124
    assert not User.objects.values("username").annotate(n=Count("id")).filter(n__gt=1).exists()
    for username in ["admin", "dispatcher", "township_dispatcher", "gridworker", "microgridleader", "handler",
                     "supervisor", "deputy", "resident"]:
        assert User.objects.get(username=username).check_password("demo-pass-1")
    # A micro-grid leader for the first micro-grid of each grid of the first township, inside their grid.
    leaders = User.objects.filter(role=Role.MICRO_GRID_LEADER).select_related("micro_grid")
    first = Township.objects.order_by("sort").first()
    assert leaders.filter(username__startswith="mgl_").count() == Grid.objects.filter(township=first).count()
    for leader in leaders:
        leader.full_clean(exclude=["password"])
        assert leader.micro_grid.grid_id == leader.grid_id and leader.township_id == first.pk


def test_no_two_communities_of_the_district_share_a_name():
    call_command("seed_bazhou", password="demo-pass-1")
    names = list(Community.objects.values_list("name", flat=True))
    assert len(names) > 150 and len(set(names)) == len(names)


def test_seed_loads_category_tree_departments_and_sla_policy():
    call_command("seed_bazhou")
    tops = list(Category.objects.filter(parent__isnull=True).order_by("sort").values_list("code", flat=True))
    assert tops == TOP_CODES
    leaves = Category.objects.filter(parent__isnull=False)
    assert leaves.count() >= 3 * len(TOP_CODES)
    # Every sub-category has a department that handles it.
    assert not leaves.filter(department__isnull=True).exists()
    assert SlaPolicy.objects.count() == 10


def test_password_option_changes_every_demo_password():
    call_command("seed_bazhou", password="first-pass")
    call_command("seed_bazhou", password="second-pass")
    assert User.objects.get(username="handler").check_password("second-pass")
    assert User.objects.get(username="gw_bz01-001").check_password("second-pass")


def test_grids_have_centroids_around_bazhong_and_polygons():
    call_command("seed_bazhou")
    for grid in Grid.objects.all()[:50]:
        assert 31.5 < float(grid.lat) < 32.2 and 106.4 < float(grid.lng) < 107.1
        assert grid.polygon["type"] == "Polygon"


def test_demo_demands_cover_every_state_with_histories_the_table_allows():
    call_command("seed_bazhou", demands=600)
    assert Demand.objects.count() == 600
    states = set(Demand.objects.values_list("status", flat=True))
    assert states == set(Status.values)
    events = DemandEvent.objects.order_by("demand_id", "created_at", "id").values_list(
        "demand_id", "action", "from_status", "to_status", "created_at")
    last = {}
    for demand_id, action, from_status, to_status, _at in events:
        previous = last.get(demand_id)
        if previous is None:
            assert action == "receive" and to_status == Status.RECEIVED
        else:
            sources, target = TRANSITIONS[action]
            assert from_status == previous and from_status in sources, (demand_id, action, from_status)
            assert to_status == (target or from_status)
        last[demand_id] = to_status
    final = dict(Demand.objects.values_list("pk", "status"))
    assert last == final
    # Many name their micro-grid too, always one of their own grid.
    located = Demand.objects.filter(micro_grid__isnull=False)
    assert located.count() > 100
    assert not located.exclude(micro_grid__grid_id=F("grid_id")).exists()


def test_if_empty_adds_demands_only_once():
    call_command("seed_bazhou", demands=50, if_empty=True)
    call_command("seed_bazhou", demands=50, if_empty=True)
    assert Demand.objects.count() == 50
