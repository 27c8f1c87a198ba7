"""Scope (404 outside it), masking of personal data, and escaping of whatever residents type."""

import pytest
from django.test import Client
from django.urls import reverse

from demands import services
from demands.models import Demand
from demands.states import Status

from .conftest import PASSWORD, photo

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("outsider", ["other_handler", "other_grid_worker", "anonymous"])
def test_outsiders_get_404_for_the_staff_page_and_cannot_act(outsider, walk, staff):
    demand = walk(Status.DISPATCHED, unit=staff.grid_worker.grid)
    client = Client() if outsider == "anonymous" else login(getattr(staff, outsider))
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 404
    for action, data in [("accept", {}), ("return", {"return-reason": "不是我的"}), ("reassign", {})]:
        response = client.post(reverse("demands:action", args=[demand.pk, action]), data)
        assert response.status_code == 404
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED and demand.events.count() == 3


def test_unknown_and_out_of_scope_ids_look_the_same(walk, staff):
    demand = walk(Status.DISPATCHED)
    client = login(staff.other_handler)
    missing = client.get(reverse("demands:detail", args=[demand.pk + 1000]))
    hidden = client.get(reverse("demands:detail", args=[demand.pk]))
    assert missing.status_code == hidden.status_code == 404


def test_workbench_lists_only_demands_in_scope(walk, staff, world):
    mine = walk(Status.DISPATCHED, unit=world.department)
    theirs = walk(Status.DISPATCHED, unit=world.other_department)
    page = login(staff.handler).get(reverse("demands:workbench") + "?tab=all").content.decode()
    assert mine.public_no in page and theirs.public_no not in page
    assert mine.tracking_code not in page and theirs.tracking_code not in page


def test_township_dispatcher_sees_only_their_township(walk, staff, world):
    here = walk(Status.RECEIVED)
    there = walk(Status.RECEIVED, township=world.other_township)
    client = login(staff.township_dispatcher)
    assert client.get(reverse("demands:detail", args=[here.pk])).status_code == 200
    assert client.get(reverse("demands:detail", args=[there.pk])).status_code == 404


def test_grid_worker_acts_only_on_orders_of_their_grid(walk, staff, world):
    demand = walk(Status.DISPATCHED, unit=world.grid)
    assert login(staff.grid_worker).post(reverse("demands:action", args=[demand.pk, "accept"])).status_code == 302
    assert Demand.objects.get(pk=demand.pk).status == Status.ACCEPTED


def test_phone_is_shown_only_to_those_handling_the_demand(walk, staff, world):
    demand = walk(Status.ACCEPTED, unit=world.grid)
    for user in (staff.grid_worker, staff.dispatcher, staff.township_dispatcher):
        page = login(user).get(reverse("demands:detail", args=[demand.pk])).content.decode()
        assert PHONE in page, user.username
    # The supervisor sees the demand but does not handle it.
    page = login(staff.supervisor).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert PHONE not in page and MASKED in page
    assert "王秀英" not in page and "王**" in page


def test_public_pages_never_show_name_or_phone(walk, staff):
    demand = walk(Status.VERIFIED)
    client = Client()
    for url in [reverse("demands:track_detail", args=[demand.tracking_code]),
                reverse("demands:receipt", args=[demand.tracking_code]),
                reverse("demands:rate", args=[demand.rating_token])]:
        page = client.get(url).content.decode()
        assert PHONE not in page and MASKED not in page and "王秀英" not in page, url


def test_workbench_never_lists_phone_numbers(walk, staff):
    walk(Status.RECEIVED)
    page = login(staff.dispatcher).get(reverse("demands:workbench")).content.decode()
    assert PHONE not in page


XSS = ['<script>alert(1)</script>', '"><svg onload=alert(1)>']


@pytest.mark.parametrize("payload", XSS)
def test_markup_typed_by_residents_renders_escaped_everywhere(payload, world, staff):
    client = Client()
    response = client.post(reverse("demands:submit"), {
        "type": "complaint", "content": f"路灯坏了 {payload}", "township": world.township.pk,
        "address": payload, "contact_name": payload[:20], "photos": [photo(f"{payload}.png")],
    })
    assert response.status_code == 302
    demand = Demand.objects.get()
    services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="complaint", category=world.category,
                             urgency="normal", grid=world.grid)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
    services.demand_accept(demand_id=demand.pk, actor=staff.handler)
    services.demand_note(demand_id=demand.pk, actor=staff.handler, text=payload, public=True)
    pages = [
        client.get(response["Location"]),
        client.get(reverse("demands:track_detail", args=[demand.tracking_code])),
        login(staff.dispatcher).get(reverse("demands:workbench") + "?tab=all"),
        login(staff.handler).get(reverse("demands:detail", args=[demand.pk])),
        login(staff.supervisor).get(reverse("demands:detail", args=[demand.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<svg onload" not in html
        assert page.status_code == 200


@pytest.mark.parametrize(("name", "data"), [
    ("evil.jpg", b"<html><script>alert(1)</script></html>"),
    ("vector.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'),
    ("empty.png", b""),
])
def test_files_that_are_not_images_are_refused_with_a_message(name, data, world):
    response = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "门口的井盖丢了，晚上很危险。", "township": world.township.pk,
        "photos": [photo(name, data, "image/jpeg")],
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert name in page or "空文件" in page
    assert Demand.objects.count() == 0


def test_more_than_three_photos_or_over_5_mb_is_refused(world):
    too_many = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "门口的井盖丢了，晚上很危险。", "township": world.township.pk,
        "photos": [photo(f"p{i}.png") for i in range(4)],
    })
    assert too_many.status_code == 400
    big = photo("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10))
    too_big = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "门口的井盖丢了，晚上很危险。", "township": world.township.pk, "photos": [big],
    })
    assert too_big.status_code == 400
    assert Demand.objects.count() == 0


def test_uploaded_photo_is_reencoded_without_exif(world):
    import io

    from PIL import Image

    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera"  # Make
    Image.new("RGB", (32, 32), (1, 2, 3)).save(buf, "JPEG", exif=exif)
    response = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "门口的井盖丢了，晚上很危险。", "township": world.township.pk,
        "photos": [photo("cam.jpg", buf.getvalue(), "image/jpeg")],
    })
    assert response.status_code == 302
    stored = Demand.objects.get().attachments.get()
    with stored.file.open("rb") as f:
        data = f.read()
    assert b"Secret Camera" not in data
    assert Image.open(io.BytesIO(data)).size == (32, 32)
