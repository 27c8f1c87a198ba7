"""Named users per role (as Zulip's tests log in as "iago") and a way to walk a demand to any state.

The world and the named users are built once per test database and copied into each test that asks for them
(tests/rowtemplate.py); the intake classifier is trained at most once per run.
"""

import fcntl
import io
import os
from functools import partial
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from demands import services
from demands.models import Category, DemandType, Outcome, Rating, Urgency
from core.actors import ResidentActor, SYSTEM
from demands.seed import seed_sla_policy
from demands.states import Status

from .factories import (
    CategoryFactory, CommunityFactory, DepartmentFactory, DeputyFactory, GridFactory, TownshipFactory, UserFactory,
)
from .rowtemplate import RowTemplate

PASSWORD = "pw-for-tests"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests marked `early` go first; the rest keep pytest-django's order (transactional tests after the others)."""
    items.sort(key=lambda item: item.get_closest_marker("early") is None)


@pytest.fixture(autouse=True)
def forget_process_caches():
    """Per-process caches outlive a test's rolled-back rows; each test starts without them."""
    from integrations.models import forget_cached_tokens
    from core.api import CachedSlugRelatedField

    CachedSlugRelatedField.forget()
    forget_cached_tokens()
    yield


@pytest.fixture(scope="session", autouse=True)
def classifier_model(tmp_path_factory):
    """The intake classifier every test sees: the configured one (`make install` builds it) when it fits the
    corpus, else one trained once per run from the repository's corpus and shared by the parallel workers."""
    from django.conf import settings

    from demands import classify

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    with open(shared / "classifier.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        chosen = shared / "classifier.path"
        if not chosen.exists():
            path = classify.model_path()
            if classify.load(path) is None:
                model = classify.train(classify.load_corpus(), digest=classify.corpus_digest())
                path = classify.save(model, shared / "classifier.joblib")
            chosen.write_text(str(path))
        path = Path(chosen.read_text())
    settings.CLASSIFIER_PATH = path
    classify.forget()
    yield path
    classify.forget()


class World:
    """Two townships, each with a grid; two departments; a deputy; the SLA policy."""


# fixture name: (username, role, the scope in the world)
NAMED_USERS = {
    "dispatcher": ("dispatcher", Role.DISPATCHER, lambda w: {}),
    "township_dispatcher": ("township_dispatcher", Role.DISPATCHER, lambda w: {"township": w.township}),
    "other_township_dispatcher": ("other_township_dispatcher", Role.DISPATCHER,
                                  lambda w: {"township": w.other_township}),
    "grid_worker": ("gridworker", Role.GRID_WORKER, lambda w: {"grid": w.grid, "township": w.township}),
    "other_grid_worker": ("other_gridworker", Role.GRID_WORKER,
                          lambda w: {"grid": w.other_grid, "township": w.other_township}),
    "handler": ("handler", Role.HANDLER, lambda w: {"department": w.department}),
    "other_handler": ("other_handler", Role.HANDLER, lambda w: {"department": w.other_department}),
    "supervisor": ("supervisor", Role.SUPERVISOR, lambda w: {}),
    "deputy": ("deputy", Role.DEPUTY, lambda w: {"deputy": w.deputy_record, "township": w.township}),
    "resident": ("resident", Role.RESIDENT, lambda w: {}),
}


def build_world() -> World:
    seed_sla_policy()
    top = CategoryFactory(code="sanitation", name="市容环卫")
    category = CategoryFactory(code="sanitation.garbage", name="垃圾清运", parent=top)
    t1 = TownshipFactory(name="东城街道")
    t2 = TownshipFactory(name="曾口镇")
    grid1 = GridFactory(community=CommunityFactory(township=t1, name="莲花社区"), name="莲花社区第1网格")
    grid1b = GridFactory(community=grid1.community, name="莲花社区第2网格")
    grid2 = GridFactory(community=CommunityFactory(township=t2, name="白鹤村"), name="白鹤村第1网格")
    dept = DepartmentFactory(name="巴州区综合行政执法局", short_name="区综合执法局")
    dept.categories.add(category, top)
    other_dept = DepartmentFactory(name="巴州区水务局", short_name="区水务局")
    deputy = DeputyFactory(township=t1, name="李秀英")

    w = World()
    w.category, w.township, w.other_township = category, t1, t2
    w.grid, w.sibling_grid, w.other_grid = grid1, grid1b, grid2
    w.department, w.other_department, w.deputy_record = dept, other_dept, deputy
    return w


def build_user(name: str, world: World):
    username, role, scope = NAMED_USERS[name]
    return UserFactory(username=username, role=role, **scope(world))


def on_test_database() -> bool:
    """Whether the default connection points at a test database (pytest-django makes none for a run without
    database tests, and the connection then names the configured one)."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    return name.startswith("test_") or "mode=memory" in name or name == ":memory:"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and in it the template of the world and the named users (built before any test or
    module fixture opens a transaction, so the template outlives them)."""
    if not on_test_database():
        yield None
        return
    with django_db_blocker.unblock():
        template = RowTemplate()
        world = template.record("world", build_world)
        for name in NAMED_USERS:
            template.record(name, partial(build_user, name, world))
        template.freeze()
    yield template
    with django_db_blocker.unblock():
        template.drop()


class Seeded:
    """One test's world and named users: copies of the template's objects, or built the slow way."""

    def __init__(self, template, world, memo):
        self.template, self.world, self.memo, self.users = template, world, memo, {}

    def user(self, name):
        if name not in self.users:
            copied = self.template.copy_into_test(name, self.memo) if self.template else None
            # A user of that name may be there already (the factory then returns it, as it always did).
            self.users[name] = copied if copied is not None else build_user(name, self.world)
        return self.users[name]


@pytest.fixture
def world_and_users(db, django_db_setup) -> Seeded:
    memo = {}
    world = django_db_setup.copy_into_test("world", memo) if django_db_setup else None
    if world is not None:
        return Seeded(django_db_setup, world, memo)
    # Rows in the way (the same category code, say): build as the test would by hand.
    return Seeded(None, build_world(), memo)


@pytest.fixture
def world(world_and_users):
    return world_and_users.world


@pytest.fixture
def dispatcher(world_and_users):
    return world_and_users.user("dispatcher")


@pytest.fixture
def township_dispatcher(world_and_users):
    return world_and_users.user("township_dispatcher")


@pytest.fixture
def other_township_dispatcher(world_and_users):
    return world_and_users.user("other_township_dispatcher")


@pytest.fixture
def grid_worker(world_and_users):
    return world_and_users.user("grid_worker")


@pytest.fixture
def other_grid_worker(world_and_users):
    return world_and_users.user("other_grid_worker")


@pytest.fixture
def handler(world_and_users):
    return world_and_users.user("handler")


@pytest.fixture
def other_handler(world_and_users):
    return world_and_users.user("other_handler")


@pytest.fixture
def supervisor(world_and_users):
    return world_and_users.user("supervisor")


@pytest.fixture
def deputy(world_and_users):
    return world_and_users.user("deputy")


@pytest.fixture
def resident(world_and_users):
    return world_and_users.user("resident")


@pytest.fixture
def staff(dispatcher, township_dispatcher, grid_worker, other_grid_worker, handler, other_handler, supervisor, deputy,
          resident):
    class Staff:
        pass

    s = Staff()
    s.dispatcher, s.township_dispatcher, s.grid_worker = dispatcher, township_dispatcher, grid_worker
    s.other_grid_worker, s.handler, s.other_handler = other_grid_worker, handler, other_handler
    s.supervisor, s.deputy, s.resident = supervisor, deputy, resident
    return s


def png_bytes(size=(8, 8), color=(200, 30, 30), mode="RGB", pnginfo=None) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else None).save(buf, "PNG", pnginfo=pnginfo)
    return buf.getvalue()


def photo(name="photo.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type=content_type)


@pytest.fixture
def walk(world, staff):
    """walk(Status.X) returns a fresh demand brought to state X through the real services."""

    def _walk(target: str, *, demand_type=DemandType.HELP, unit=None, **receive_kwargs):
        unit = unit or world.department
        member = {"Grid": staff.grid_worker, "Department": staff.handler, "Deputy": staff.deputy}[type(unit).__name__]
        kwargs = {"type": demand_type, "content": "莲花社区菜市场门口垃圾堆了三天没人清运，气味很大。",
                  "township": world.township, "contact_name": "王秀英", "contact_phone": "13812345678",
                  **receive_kwargs}
        d = services.demand_receive(actor=None, **kwargs)
        if target == Status.RECEIVED:
            return d
        if target == Status.REJECTED:
            return services.demand_reject(demand_id=d.pk, actor=staff.dispatcher, reason="不属于受理范围")
        if target == Status.MERGED:
            other = services.demand_receive(actor=None, type=demand_type, content="同一处垃圾问题", township=world.township)
            return services.demand_merge(demand_id=d.pk, actor=staff.dispatcher, into=other)
        if target == Status.WITHDRAWN:
            return services.demand_withdraw(demand_id=d.pk, actor=ResidentActor(d.pk), reason="问题已自行解决")
        services.demand_classify(demand_id=d.pk, actor=staff.dispatcher, type=demand_type, category=world.category,
                                 urgency=Urgency.NORMAL, grid=world.grid)
        if target == Status.CLASSIFIED:
            return _refresh(d)
        services.demand_dispatch(demand_id=d.pk, actor=staff.dispatcher, unit=unit)
        if target == Status.DISPATCHED:
            return _refresh(d)
        services.demand_accept(demand_id=d.pk, actor=member)
        if target == Status.ACCEPTED:
            return _refresh(d)
        services.demand_resolve(demand_id=d.pk, actor=member, outcome=Outcome.SOLVED, reply="已安排环卫工人清运完毕。")
        if target == Status.RESOLVED:
            return _refresh(d)
        services.demand_verify(demand_id=d.pk, actor=staff.supervisor)
        if target == Status.VERIFIED:
            return _refresh(d)
        services.demand_rate(demand_id=d.pk, actor=ResidentActor(d.pk), rating=Rating.SATISFIED)
        assert target == Status.CLOSED, target
        return _refresh(d)

    return _walk


def _refresh(demand):
    demand.refresh_from_db()
    return demand


__all__ = ["PASSWORD", "photo", "png_bytes", "SYSTEM", "Category"]
