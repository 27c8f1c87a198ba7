"""The layering rule (docs/architecture.md): dependencies between apps point one way."""

from pathlib import Path

from core.layers import app_imports, cycles

BASE = Path(__file__).resolve().parent.parent
APPS, EDGES = app_imports(BASE)


def test_no_two_apps_import_each_other_directly_or_round_a_cycle():
    assert cycles(APPS, EDGES) == []


def test_the_ground_floor_imports_no_app_of_the_project():
    assert sorted(b for (a, b) in EDGES if a == "core") == []


def test_places_stand_on_the_ground_floor_only():
    assert {b for (a, b) in EDGES if a == "grids"} <= {"core"}


def test_only_the_roof_imports_the_portal_app():
    assert sorted(a for (a, b) in EDGES if b == "portal") == []


def test_the_check_sees_a_cycle_when_one_is_written(tmp_path):
    # The rule is only as good as the reader: two apps importing each other must show up as a cycle.
    for app, other in (("alpha", "beta"), ("beta", "alpha")):
        (tmp_path / app).mkdir()
        (tmp_path / app / "apps.py").write_text("")
        (tmp_path / app / "models.py").write_text(f"from {other}.models import Thing\n")
    apps, edges = app_imports(tmp_path)
    assert cycles(apps, edges) == [["alpha", "beta"]]
