"""Issue 15, item 8: the 24-hour promise. 咨询24小时答复率 counts consultations answered within 24 hours of
*receipt* (not of dispatch), on a hand-computed fixture; the dashboard and its API filter by type, and the figure
read from the ledger (no type filter) and from the demands (type=consultation) agree."""

import datetime as dt

import pytest
from django.utils import timezone

from demands import services
from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
API = "/api/v1/dashboard/"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def promise(walk, staff, world, time_machine):
    """Four consultations received today 08:00 … and one help demand:
    - answered at once (then reopened: it was still answered in time) — counts;
    - dispatched after 20 hours and answered 6 hours later (26 h after receipt, 6 h after dispatch) — does not;
    - never answered — does not;
    - received an hour ago, not answered yet — does not, until it is;
    - a help demand answered at once — not a consultation."""
    start = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0) - dt.timedelta(days=2)
    time_machine.move_to(start, tick=False)
    at_once = walk(Status.RESOLVED, demand_type="consultation")
    late = walk(Status.CLASSIFIED, demand_type="consultation")
    never = walk(Status.ACCEPTED, demand_type="consultation")
    walk(Status.RESOLVED)  # help
    time_machine.move_to(start + dt.timedelta(hours=20), tick=False)
    services.demand_dispatch(demand_id=late.pk, actor=staff.dispatcher, unit=world.department)
    time_machine.move_to(start + dt.timedelta(hours=26), tick=False)
    services.demand_accept(demand_id=late.pk, actor=staff.handler)
    services.demand_resolve(demand_id=late.pk, actor=staff.handler, outcome="solved", reply="已电话答复政策口径。")
    services.demand_reopen(demand_id=at_once.pk, actor=staff.supervisor, reason="答复不完整")
    time_machine.move_to(start + dt.timedelta(hours=47), tick=False)
    walk(Status.DISPATCHED, demand_type="consultation")
    time_machine.move_to(start + dt.timedelta(hours=48), tick=False)
    return start.date()


def test_consultations_answered_within_24_hours_of_receipt(client, staff, promise):
    login(client, staff.supervisor)
    period = {"date_from": promise.isoformat(), "date_to": timezone.localdate().isoformat()}
    from_ledger = client.get(API, period).json()["figures"]
    rate = from_ledger["consultation_24h_rate"]
    assert (rate["numerator"], rate["denominator"], rate["display"]) == (1, 4, "25.0%")
    assert from_ledger["received"]["value"] == 5
    # Filtered by type, from the demands themselves: the same rate, and only consultations received.
    only = client.get(API, {**period, "type": "consultation"}).json()["figures"]
    assert only["consultation_24h_rate"]["display"] == "25.0%" and only["received"]["value"] == 4
    # The links list exactly what they count.
    for link, expected in ((rate["numerator_link"], 1), (rate["denominator_link"], 4)):
        page = client.get(link)
        assert page.status_code == 200 and page.context["page"].paginator.count == expected


def test_the_page_shows_the_figure_and_the_type_filter(client, staff, promise):
    login(client, staff.supervisor)
    html = client.get("/staff/dashboard/", {"date_from": promise.isoformat(), "type": "consultation"}).content.decode()
    assert "咨询24小时答复率" in html and "25.0%" in html
    assert '<option value="consultation" selected>' in html


def test_a_wrong_type_is_refused_with_a_message(client, staff, world):
    login(client, staff.supervisor)
    response = client.get(API, {"type": "gossip"})
    assert response.status_code == 400 and "type" in response.json()["fields"]
    assert client.get("/staff/dashboard/", {"type": "gossip"}).status_code == 400
