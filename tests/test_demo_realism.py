"""The demo a supervisor would believe (issue 13): a year of arrivals with a weekly and a seasonal rhythm, states
that follow age, townships that differ, distinct texts that fit their place, suggestions citing their own topic,
and every demand waiting for a rating rateable.

The demo is seeded once for the module, through seed_bazhou as `make run` does, and rolled back afterwards.
"""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from demands.demo_content import AVOIDED_NAMES
from demands.models import Demand
from demands.states import OPEN_STATES, TERMINAL_STATES, Status
from suggestions.demo_content import EVIDENCE_WORDS
from suggestions.models import Suggestion
from supervise import figures
from supervise.hotspots import Period, hotspots

DEMO_DEMANDS = 3000  # what `make run` seeds

# Words that belong to one kind of place only.
URBAN_ONLY = ("社区", "小区", "物业", "业主", "单元", "楼道", "电梯")
RURAL_ONLY = ("村道", "村干部", "村委", "村民", "村里", "院坝", "村卫生室", "村医")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_bazhou", demands=DEMO_DEMANDS, password="pw-demo")
        yield
        transaction.set_rollback(True)


def _local(moment) -> dt.datetime:
    return timezone.localtime(moment)


def test_the_demo_has_the_demands_asked_for_and_nearly_every_text_is_distinct():
    contents = list(Demand.objects.values_list("content", flat=True))
    assert len(contents) == DEMO_DEMANDS
    assert len(set(contents)) >= 0.95 * len(contents)


def test_residents_have_varied_names():
    names = [n for n in Demand.objects.values_list("contact_name", flat=True) if n]
    assert len(set(names)) >= 0.4 * len(names)
    assert not set(names) & AVOIDED_NAMES


def test_every_full_month_of_the_past_year_has_about_as_many_arrivals_as_the_others():
    per_month = Counter(_local(c).strftime("%Y-%m") for c in Demand.objects.values_list("created_at", flat=True))
    today = timezone.localdate()
    first_full = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    full_months = [m for m in per_month if first_full.strftime("%Y-%m") <= m < today.strftime("%Y-%m")]
    assert len(full_months) >= 11
    mean = sum(per_month[m] for m in full_months) / len(full_months)
    for month in full_months:
        assert 0.65 * mean <= per_month[month] <= 1.35 * mean, (month, per_month[month], mean)


def test_fewer_demands_arrive_at_weekends():
    per_weekday = Counter(_local(c).weekday() for c in Demand.objects.values_list("created_at", flat=True))
    weekday_mean = sum(per_weekday[d] for d in range(5)) / 5
    assert max(per_weekday[5], per_weekday[6]) < 0.85 * weekday_mean


def test_water_and_power_peak_in_summer_and_gas_and_fire_safety_in_winter():
    rows = Demand.objects.filter(category__isnull=False).values_list("created_at", "category__code")
    by_season = {"summer": Counter(), "winter": Counter()}
    for created, code in rows:
        month = _local(created).month
        season = "summer" if month in (6, 7, 8) else "winter" if month in (12, 1, 2) else None
        if season:
            by_season[season][code] += 1
            by_season[season]["all"] += 1

    def share(season, *codes):
        return sum(by_season[season][c] for c in codes) / by_season[season]["all"]

    water_power = ("water_power_gas.water_outage", "water_power_gas.power_outage")
    heating_safety = ("water_power_gas.gas_supply", "public_safety.fire_safety")
    assert share("summer", *water_power) > 1.5 * share("winter", *water_power)
    assert share("winter", *heating_safety) > 1.5 * share("summer", *heating_safety)


def test_old_demands_are_finished_and_open_ones_are_recent():
    now = timezone.now()
    assert not Demand.objects.filter(status__in=OPEN_STATES, created_at__lt=now - dt.timedelta(days=60)).exists()
    old = Demand.objects.filter(created_at__lt=now - dt.timedelta(days=90))
    assert set(old.values_list("status", flat=True)) <= set(TERMINAL_STATES)
    # Every open state is on the workbench, as a working day leaves it.
    assert set(Status.values) == set(Demand.objects.values_list("status", flat=True))


def test_no_open_demand_is_more_than_thirty_days_past_its_deadline_and_a_few_are_overdue():
    now = timezone.now()
    open_demands = Demand.objects.filter(status__in=OPEN_STATES, resolve_deadline__isnull=False)
    assert not open_demands.filter(resolve_deadline__lt=now - dt.timedelta(days=30)).exists()
    overdue = open_demands.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED], resolve_deadline__lt=now)
    assert 0 < overdue.count() < 0.5 * open_demands.count()


def test_every_demand_waiting_for_a_rating_can_be_rated_by_the_resident():
    waiting = list(Demand.objects.filter(status=Status.VERIFIED))
    assert waiting
    assert all(d.rating_token for d in waiting)
    assert all(timezone.now() - d.verified_at < dt.timedelta(days=7) for d in waiting)  # before the window ends
    client = Client()
    demand = waiting[0]
    assert client.get(reverse("demands:rate", args=[demand.rating_token])).status_code == 200
    assert client.get(reverse("demands:track_rate", args=[demand.tracking_code])).status_code == 200


def test_townships_differ_in_resolution_and_satisfaction():
    rows = figures.breakdown(Demand.objects.all(), by="township")
    satisfaction = [float(c.satisfaction.value) for c in rows.values() if c.rated]
    resolution = [float(c.resolution_rate.value) for c in rows.values() if c.closed]
    assert len(satisfaction) == len(resolution) == 22
    assert max(satisfaction) - min(satisfaction) >= 0.10
    assert 0.80 <= min(satisfaction) and max(satisfaction) <= 0.97
    assert max(resolution) - min(resolution) >= 0.10
    assert 0.70 <= min(resolution) and max(resolution) <= 0.95


def test_a_village_is_described_in_rural_words_and_a_community_in_urban_ones():
    for content, place in Demand.objects.values_list("content", "community__name"):
        if place.endswith("社区"):
            assert not any(word in content for word in RURAL_ONLY), (place, content)
        else:
            assert not any(word in content for word in URBAN_ONLY), (place, content)


def _evidence_words(title: str) -> list[str]:
    """The words of the demo topic a suggestion's title was made from ("关于{t}…的建议" with a township; a bill's
    title ends in 议案 instead)."""
    if title.endswith("的议案"):
        title = title[: -len("议案")] + "建议"
    for template, words in EVIDENCE_WORDS.items():
        before, after = template.split("{t}")
        if title.startswith(before) and title.endswith(after):
            return words
    raise AssertionError(f"not a demo topic: {title}")


def test_demo_suggestions_cite_only_demands_of_their_own_topic():
    cited = 0
    for suggestion in Suggestion.objects.prefetch_related("demands"):
        words = _evidence_words(suggestion.title)
        for demand in suggestion.demands.all():
            cited += 1
            assert demand.category_id == suggestion.category_id, (suggestion.title, demand.content)
            assert any(word in demand.content for word in words), (suggestion.title, demand.content)
    assert cited >= 10


def test_hotspots_compare_with_a_previous_period_that_has_demands_too():
    supervisor = User.objects.get(username="supervisor")
    period = Period.last_days(30)
    previous = period.previous()
    assert Demand.objects.filter(previous.q()).count() > 0.5 * Demand.objects.filter(period.q()).count()
    result = hotspots(viewer=supervisor, period=period, with_terms=False)
    assert result.by_township and result.by_grid
    assert any(h.previous > 0 for h in result.by_township)
    assert any(h.previous > 0 for h in result.by_grid)


def test_some_residents_and_patrols_put_a_point_and_it_lies_in_the_demands_own_place():
    from grids.locate import locate

    pinned = list(Demand.objects.filter(lat__isnull=False).select_related("grid")[:200])
    web = Demand.objects.filter(channel="web")
    assert 0.3 * web.count() <= web.filter(lat__isnull=False).count() <= 0.6 * web.count()
    assert not Demand.objects.filter(channel="hotline", lat__isnull=False).exists()
    for demand in pinned:
        grid, how = locate(float(demand.lat), float(demand.lng))
        assert how == "polygon" and grid.township_id == demand.township_id
        if demand.grid_id:
            assert grid == demand.grid
