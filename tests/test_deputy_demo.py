"""The demo a visitor judges the deputies' side by: every kind of duty, receptions, and common problems to group."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demands.models import Channel, Demand
from deputies.models import DutyRecord, Reception

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
