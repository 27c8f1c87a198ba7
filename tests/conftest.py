"""Named users per role (as Zulip's tests log in as "iago") and a way to walk a demand to any state."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from demands import services
from demands.models import Category, DemandType, Outcome, Rating, Urgency
from demands.permissions import SYSTEM, ResidentActor
from demands.seed import seed_sla_policy
from demands.states import Status

from .factories import (
    CategoryFactory, CommunityFactory, DepartmentFactory, DeputyFactory, GridFactory, TownshipFactory, UserFactory,
)

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def forget_process_caches():
    """Per-process caches outlive a test's rolled-back rows; each test starts without them."""
    from integrations.models import forget_cached_tokens
    from portal.api import CachedSlugRelatedField

    CachedSlugRelatedField.forget()
    forget_cached_tokens()
    yield


@pytest.fixture
def world(db):
    """Two townships, each with a grid; two departments; a deputy; the SLA policy."""
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

    class World:
        pass

    w = World()
    w.category, w.township, w.other_township = category, t1, t2
    w.grid, w.sibling_grid, w.other_grid = grid1, grid1b, grid2
    w.department, w.other_department, w.deputy_record = dept, other_dept, deputy
    return w


def _user(username, role, **scope):
    return UserFactory(username=username, role=role, **scope)


@pytest.fixture
def dispatcher(world):
    return _user("dispatcher", Role.DISPATCHER)


@pytest.fixture
def township_dispatcher(world):
    return _user("township_dispatcher", Role.DISPATCHER, township=world.township)


@pytest.fixture
def other_township_dispatcher(world):
    return _user("other_township_dispatcher", Role.DISPATCHER, township=world.other_township)


@pytest.fixture
def grid_worker(world):
    return _user("gridworker", Role.GRID_WORKER, grid=world.grid, township=world.township)


@pytest.fixture
def other_grid_worker(world):
    return _user("other_gridworker", Role.GRID_WORKER, grid=world.other_grid, township=world.other_township)


@pytest.fixture
def handler(world):
    return _user("handler", Role.HANDLER, department=world.department)


@pytest.fixture
def other_handler(world):
    return _user("other_handler", Role.HANDLER, department=world.other_department)


@pytest.fixture
def supervisor(world):
    return _user("supervisor", Role.SUPERVISOR)


@pytest.fixture
def deputy(world):
    return _user("deputy", Role.DEPUTY, deputy=world.deputy_record, township=world.township)


@pytest.fixture
def resident(world):
    return _user("resident", Role.RESIDENT)


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
