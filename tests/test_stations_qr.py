"""代表码上见: QR codes of deputies, stations and grids, their landing pages, posters, the station list and API."""

import io
import re

import pytest
import zxingcpp
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import Role
from demands.models import Demand, DemandEvent
from demands.selectors import waiting_q
from demands.states import Status
from deputies.models import Deputy, Station

from .conftest import PASSWORD
from .factories import DeputyFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTENT = "白鹤村三组到村委会的便道塌了一段，老人娃娃赶场都要绕路，希望代表帮忙反映一下。"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def decode_png(response) -> list[str]:
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] >= 250  # big enough for a phone camera at poster distance
    return [result.text for result in zxingcpp.read_barcodes(image)]


def absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


@pytest.fixture
def station(world, staff):
    """A 代表联络站 in the first township, convened by the fixture deputy, with a second (township-level) member."""
    other = DeputyFactory(township=world.township, name="王建国", level=Deputy.Level.TOWNSHIP, code="DB0102",
                          occupation="村党支部书记")
    s = Station.objects.create(code="LL011", name="东城街道莲花社区人大代表联络站", kind=Station.Kind.STATION,
                               township=world.township, community=world.grid.community,
                               address="巴州区东城街道莲花社区党群服务中心", reception_weekdays="4",
                               convener=world.deputy_record, phone="0827-5221234")
    s.members.set([world.deputy_record, other])
    return s


@pytest.fixture
def other_deputy_user(world, station):
    other = Deputy.objects.get(code="DB0102")
    return UserFactory(username="deputy_db0102", role=Role.DEPUTY, deputy=other, township=world.township)


def waiting_codes(user) -> set[str]:
    return set(Demand.objects.filter(waiting_q(user)).values_list("tracking_code", flat=True))


def submit(client, path, **overrides):
    data = {"type": "help", "content": CONTENT, "contact_name": "赵桂兰", "contact_phone": "13912345678", **overrides}
    return client.post(path, data)


def submitted_code(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.match(r"^/track/([^/]+)/receipt/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


# ---------------------------------------------------------------- QR codes


def test_deputy_qr_code_decodes_to_the_deputy_landing_url(world):
    deputy = world.deputy_record
    response = Client().get(reverse("deputies_public:deputy_qr", args=[deputy.code, "png"]))
    assert decode_png(response) == [absolute(f"/d/{deputy.code}/")]


def test_station_qr_code_decodes_to_the_station_landing_url(station):
    response = Client().get(reverse("deputies_public:station_qr", args=[station.code, "png"]))
    assert decode_png(response) == [absolute(f"/s/{station.code}/")]


def test_grid_qr_code_decodes_to_the_grid_landing_url(world):
    response = Client().get(reverse("deputies_public:grid_qr", args=[world.grid.code, "png"]))
    assert decode_png(response) == [absolute(f"/g/{world.grid.code}/")]


def test_qr_svg_is_cacheable_and_revalidates_with_its_etag(world):
    url = reverse("deputies_public:deputy_qr", args=[world.deputy_record.code, "svg"])
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert "max-age" in response["Cache-Control"]
    again = Client().get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# ---------------------------------------------------------------- landing pages


def test_deputy_landing_shows_the_card_and_stations_without_a_phone(world, station):
    page = Client().get(f"/d/{world.deputy_record.code}/").content.decode()
    assert world.deputy_record.name in page
    assert world.township.name in page
    assert station.name in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d"', page)  # the station's next reception days
    assert station.phone not in page
    assert 'name="content"' in page and 'method="post"' in page


def test_demand_on_a_deputy_landing_waits_in_that_deputys_workbench_only(world, staff, station, other_deputy_user):
    code = submitted_code(submit(Client(), f"/d/{world.deputy_record.code}/", township=world.township.pk))
    demand = Demand.objects.get(tracking_code=code)
    assert demand.channel == "qr"
    assert demand.unit_deputy == world.deputy_record
    assert code in waiting_codes(staff.deputy)
    page = login(staff.deputy).get("/staff/").content.decode()
    assert demand.public_no in page and code not in page  # staff see the public number, never the resident's code
    for user in (other_deputy_user, staff.township_dispatcher, staff.handler, staff.dispatcher, staff.grid_worker):
        assert code not in waiting_codes(user), user.username
        page = login(user).get("/staff/").content.decode()
        assert demand.public_no not in page and code not in page, user.username


def test_demand_on_a_station_landing_goes_to_its_convener(world, staff, station, other_deputy_user):
    code = submitted_code(submit(Client(), f"/s/{station.code}/", township=world.township.pk))
    demand = Demand.objects.get(tracking_code=code)
    assert demand.station == station
    assert demand.unit_deputy == station.convener
    assert code in waiting_codes(staff.deputy)
    assert code not in waiting_codes(other_deputy_user)
    assert code not in waiting_codes(staff.township_dispatcher)


def test_grid_landing_preselects_the_grid(world):
    page = Client().get(f"/g/{world.grid.code}/").content.decode()
    for field, pk in (("township", world.township.pk), ("community", world.grid.community.pk), ("grid", world.grid.pk)):
        select = re.search(rf'<select name="{field}".*?</select>', page, re.S).group(0)
        assert f'<option value="{pk}" selected>' in select, field


def test_grid_landing_lists_the_embedded_deputies(world):
    world.deputy_record.grids.add(world.grid)
    page = Client().get(f"/g/{world.grid.code}/").content.decode()
    assert f'href="/d/{world.deputy_record.code}/"' in page


def test_demand_on_a_grid_landing_is_located_there_and_waits_for_the_township_dispatcher(world, staff):
    grid = world.grid
    code = submitted_code(submit(Client(), f"/g/{grid.code}/", township=grid.township_id,
                                 community=grid.community_id, grid=grid.pk))
    demand = Demand.objects.get(tracking_code=code)
    assert (demand.grid, demand.community, demand.township) == (grid, grid.community, grid.township)
    assert demand.channel == "qr" and demand.status == Status.RECEIVED and demand.unit_deputy is None
    assert code in waiting_codes(staff.township_dispatcher)
    assert code not in waiting_codes(staff.deputy)


def test_empty_content_shows_a_chinese_error_and_changes_nothing(world, station):
    for path in (f"/d/{world.deputy_record.code}/", f"/s/{station.code}/", f"/g/{world.grid.code}/"):
        response = submit(Client(), path, content="", township=world.township.pk)
        assert response.status_code == 400
        assert "必填" in response.content.decode()
    assert Demand.objects.count() == 0
    assert DemandEvent.objects.count() == 0


def test_landing_pages_share_the_submit_limit(world, settings):
    settings.PAGE_SUBMIT_LIMIT = 2
    client = Client()
    statuses = [submit(client, "/submit/", township=world.township.pk).status_code,
                submit(client, f"/d/{world.deputy_record.code}/", township=world.township.pk).status_code,
                submit(client, f"/g/{world.grid.code}/", township=world.township.pk).status_code]
    assert statuses == [302, 302, 429]
    assert Demand.objects.count() == 2


def test_landing_pages_never_show_residents_data(world, station):
    submitted_code(submit(Client(), f"/d/{world.deputy_record.code}/", township=world.township.pk))
    for path in (f"/d/{world.deputy_record.code}/", f"/s/{station.code}/", f"/g/{world.grid.code}/",
                 f"/s/{station.code}/print/", "/stations/"):
        page = Client().get(path).content.decode()
        assert "赵桂兰" not in page and "13912345678" not in page and CONTENT not in page, path


@pytest.mark.parametrize("path", ["/d/NOPE/", "/s/NOPE/", "/g/NOPE/", "/d/NOPE/qr.png", "/s/NOPE/qr.svg",
                                  "/g/NOPE/qr.png", "/s/NOPE/print/", "/g/NOPE/print/", "/d/DB011/qr.gif"])
def test_unknown_codes_answer_the_404_page(world, path):
    response = Client().get(path)
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_inactive_deputies_and_stations_answer_404(world, station):
    Deputy.objects.filter(pk=world.deputy_record.pk).update(is_active=False)
    Station.objects.filter(pk=station.pk).update(is_active=False)
    for path in (f"/d/{world.deputy_record.code}/", f"/d/{world.deputy_record.code}/qr.png", f"/s/{station.code}/",
                 f"/s/{station.code}/print/"):
        assert Client().get(path).status_code == 404, path
    response = submit(Client(), f"/d/{world.deputy_record.code}/", township=world.township.pk)
    assert response.status_code == 404
    assert Demand.objects.count() == 0


# ---------------------------------------------------------------- posters


def test_station_poster_has_the_station_code_and_one_qr_per_member(station):
    page = Client().get(f"/s/{station.code}/print/").content.decode()
    assert page.count('class="qr qr-main"') == 1
    assert page.count('class="qr qr-member"') == station.members.count() == 2
    assert station.name in page
    assert "css/print.css" in page


def test_grid_poster_has_one_qr_per_embedded_deputy(world, station):
    for deputy in station.members.all():
        deputy.grids.add(world.grid)
    page = Client().get(f"/g/{world.grid.code}/print/").content.decode()
    assert page.count('class="qr qr-main"') == 1
    assert page.count('class="qr qr-member"') == 2


def test_print_css_is_a4_and_leaves_the_navigation_out():
    css = (settings.BASE_DIR / "static" / "css" / "print.css").read_text()
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    assert re.search(r"@media print\s*\{[^@]*\.site-header[^{]*\{\s*display:\s*none", css)


# ---------------------------------------------------------------- the station list


def test_station_list_groups_by_township_and_filters_by_kind(world, station):
    home = Station.objects.create(code="ZJ02", name="曾口镇人大代表之家", kind=Station.Kind.HOME,
                                  township=world.other_township, address="巴州区曾口镇场镇正街12号",
                                  reception_monthdays="4,14,24")
    page = Client().get("/stations/").content.decode()
    assert station.name in page and home.name in page and station.address in page
    only_homes = Client().get("/stations/", {"kind": "home"}).content.decode()
    assert home.name in only_homes and station.name not in only_homes
    only_first = Client().get("/stations/", {"township": world.township.code}).content.decode()
    assert station.name in only_first and home.name not in only_first
    assert Client().get("/stations/", {"kind": "nonsense"}).status_code == 400


# ---------------------------------------------------------------- API


def test_deputies_api_lists_public_fields_and_filters(world, station):
    response = Client().get("/api/v1/deputies/", {"township": world.township.code, "level": "county"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["code"] for r in rows] == [world.deputy_record.code]
    row = rows[0]
    assert row["stations"] == [station.code]
    assert row["landing_url"] == absolute(f"/d/{world.deputy_record.code}/")
    assert row["qr_url"] == absolute(f"/d/{world.deputy_record.code}/qr.svg")
    assert "phone" not in row
    assert Client().get("/api/v1/deputies/", {"level": "emperor"}).status_code == 400


def test_stations_api_lists_schedule_next_dates_and_members(world, station):
    response = Client().get("/api/v1/deputies/stations/", {"kind": "station"})
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["code"] == station.code and row["township"] == world.township.code
    assert sorted(row["members"]) == sorted(station.members.values_list("code", flat=True))
    assert row["convener"] == world.deputy_record.code
    assert len(row["next_reception_dates"]) == 3 and row["schedule"]
    assert row["landing_url"] == absolute(f"/s/{station.code}/")


# ---------------------------------------------------------------- demo seed


def test_demo_seed_builds_the_bazhou_stations_and_is_idempotent():
    from grids.seed import seed_places
    from deputies.seed import seed_deputies, seed_stations

    seed_places()
    seed_deputies()
    seed_stations()
    members = {s.code: sorted(s.members.values_list("code", flat=True)) for s in Station.objects.all()}
    assert Station.objects.filter(kind=Station.Kind.HOME).count() == 23
    assert Station.objects.filter(kind=Station.Kind.STATION).count() == 41
    assert not Deputy.objects.filter(stations__isnull=True).exists()
    assert not Deputy.objects.filter(grids__isnull=True).exists()
    assert all(4 <= len(codes) <= 12 for codes in members.values())
    per_township = Deputy.objects.values_list("township_id", flat=True)
    assert all(8 <= list(per_township).count(t) <= 12 for t in set(per_township))
    assert Deputy.objects.filter(code__in=[f"DB{n:02d}{k}" for n in range(1, 23) for k in (1, 2)]).count() == 44
    seed_deputies()
    seed_stations()
    assert {s.code: sorted(s.members.values_list("code", flat=True)) for s in Station.objects.all()} == members
