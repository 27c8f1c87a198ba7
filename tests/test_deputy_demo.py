"""The demo a visitor judges the deputies' side by: every kind of duty, receptions, and common problems to group."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from demands.models import Channel, Demand
from deputies import selectors
from deputies.models import AnnualReport, DutyRecord, GroupActivity, Reception, ScoreRule

pytestmark = pytest.mark.django_db


def test_the_full_demo_fills_the_deputies_side_and_counts_its_demands_exactly():
    call_command("seed_bazhou", demands=1000, password="pw-demo")
    assert Demand.objects.count() == 1000
    assert set(DutyRecord.objects.values_list("kind", flat=True)) == set(DutyRecord.Kind.values)
    assert Reception.objects.exists()
    assert Demand.objects.filter(channel=Channel.QR, addressed_deputy__isnull=False).exists()

    deputy = User.objects.get(username="deputy")
    client = Client()
    client.force_login(deputy)
    page = client.get(reverse("suggestions:similar")).content.decode()
    # Each township has fresh reports of two common problems: they show as groups to draft a suggestion from.
    assert page.count('class="group-actions"') >= 2

    # A year of accountability: groups with activities, and yearly reports that quote the deputy's own archive.
    year = timezone.localdate().year - 1
    assert GroupActivity.objects.filter(held_on__year=year).exists()
    report = AnnualReport.objects.filter(year=year, ratings__isnull=False).select_related("deputy").first()
    suggestions = report.deputy.duty_records.filter(occurred_on__year=year, kind="suggestion").count()
    assert f"提出代表建议{suggestions}件" in report.body
    assert ScoreRule.objects.count() == len(ScoreRule.Item.values)
    coverage, _rows = selectors.contact_coverage(viewer=User.objects.get(username="supervisor"))
    assert 0 < coverage.covered < coverage.deputies
    profile = Client().get(f"/d/{report.deputy.code}/").content.decode()
    assert "人评价" in profile and "代表小组" in profile


def test_the_demo_restores_the_published_score_rule_after_a_flush_even_without_demands():
    import importlib

    migration = importlib.import_module("deputies.migrations.0005_score_rule_defaults")
    ScoreRule.objects.all().delete()  # what a flush leaves

    call_command("seed_bazhou", password="pw-demo")

    rule = {(r.item, r.points, r.yearly_cap) for r in ScoreRule.objects.all()}
    assert rule == set(migration.DEFAULTS)
    html = Client().get(reverse("deputies_public:score_rule")).content.decode()
    assert "<td>5</td><td>30</td>" in html  # suggestions: 5 points each, at most 30 a year
