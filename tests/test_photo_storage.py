"""Photos live in Django's storage (local files, or an S3-compatible store shared by every web node): written before
the demand's transaction, deleted when it fails, and swept when nothing names them. Only S3 itself is stood in for."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from core.errors import InvalidInput, NotFound
from demands import pending_uploads, services, uploads
from demands.models import Demand, DemandAttachment, Outcome
from demands.states import Status
from integrations.models import ApiToken

from .conftest import PASSWORD, photo, png_bytes

pytestmark = pytest.mark.django_db

CONTENT = "小区门口路灯坏了一个月，晚上很黑。"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    # Files other tests left behind (their rows rolled back with them) would be orphans to the sweep here.
    settings.MEDIA_ROOT = str(tmp_path)


def stored_files(folder="") -> set[str]:
    """Every file in the photos' storage, through the storage API (so the same on disk and in a bucket)."""
    storage = uploads.photo_storage()
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return set()
    prefix = f"{folder}/" if folder else ""
    found = {prefix + name for name in files}
    for name in dirs:
        found |= stored_files(prefix + name)
    return found


def receive(world, **kwargs):
    return services.demand_receive(actor=kwargs.pop("actor", None), type="help", content=CONTENT,
                                   township=world.township, **kwargs)


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# ---------------------------------------------------------------- a failed action leaves no file


def test_an_intake_that_rolls_back_leaves_no_photo_file(world, staff):
    receive(world, actor=staff.dispatcher, external_id="12345-0001")
    before = stored_files()

    # The hotline sends the same call twice at once: the second loses on the unique index, inside its transaction.
    with pytest.raises(IntegrityError):
        receive(world, actor=staff.dispatcher, external_id="12345-0001", photos=[photo("a.png"), photo("b.png")])

    assert stored_files() == before
    assert Demand.objects.count() == 1 and DemandAttachment.objects.count() == 0


def test_an_intake_with_two_photos_writes_exactly_two_files(world):
    before = stored_files()

    demand = receive(world, photos=[photo("a.png"), photo("b.png")])

    names = {a.file.name for a in demand.attachments.all()}
    assert len(names) == 2 and stored_files() - before == names


def test_a_refused_resolve_leaves_no_photo_file(walk, staff):
    demand = walk(Status.ACCEPTED)
    before = stored_files()

    with pytest.raises(NotFound):
        services.demand_resolve(demand_id=demand.pk, actor=staff.other_handler, outcome=Outcome.SOLVED,
                                reply="已修复。", photos=[photo("after.png")])

    assert stored_files() == before and DemandAttachment.objects.count() == 0


def test_a_resolve_without_a_reply_keeps_its_photo_errors_order_and_leaves_no_file(walk, staff):
    demand = walk(Status.ACCEPTED)
    before = stored_files()

    with pytest.raises(InvalidInput) as refused:
        services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply=" ",
                                photos=[photo("after.png")])

    assert "reply" in refused.value.field_errors
    assert stored_files() == before
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED


def test_photos_posted_to_a_closed_demand_are_refused_and_leave_no_file(walk, staff):
    demand = walk(Status.CLOSED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=staff.handler, name='t')[1]}")
    before = stored_files()

    response = client.post(f"/api/v1/demands/{demand.pk}/attachments/", {"photos": [photo("late.png")]},
                           format="multipart")

    assert response.status_code == 409
    assert stored_files() == before and demand.attachments.count() == 0


def test_a_resolve_with_a_photo_stores_it_once_and_the_handler_can_open_it(walk, staff):
    demand = walk(Status.ACCEPTED)
    before = stored_files()

    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply="已修复。",
                            photos=[photo("after.png")])

    attachment = demand.attachments.get()
    assert stored_files() - before == {attachment.file.name}
    response = logged_in(staff.handler).get(reverse("demands:photo", args=[attachment.token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


# ---------------------------------------------------------------- the sweep


def test_the_sweep_removes_a_file_whose_transaction_rolled_back_and_keeps_attached_ones(world, time_machine):
    kept = receive(world, photos=[photo("kept.png")]).attachments.get()
    before = stored_files()
    # An enclosing transaction (a page, a batch import) rolls the intake back after it wrote its photo.
    with transaction.atomic():
        receive(world, photos=[photo("lost.png")])
        transaction.set_rollback(True)
    [orphan] = stored_files() - before
    assert not DemandAttachment.objects.filter(file=orphan).exists()

    assert uploads.photo_sweep() == 0  # too fresh: its transaction might still be committing
    time_machine.move_to(timezone.now() + timezone.timedelta(seconds=uploads.ORPHAN_GRACE_SECONDS + 60))
    assert uploads.photo_sweep() == 1

    assert orphan not in stored_files() and kept.file.name in stored_files()
    assert uploads.photo_sweep() == 0


def test_a_legacy_photo_in_an_old_folder_is_kept_by_a_full_sweep(world, time_machine):
    demand = receive(world)
    legacy = DemandAttachment(demand=demand, purpose=DemandAttachment.Purpose.SUBMISSION, token="a" * 32,
                              extension="png", original_name="old.png", content_type="image/png", size=1, width=8,
                              height=8)
    legacy.file.save("old.png", ContentFile(png_bytes()), save=True)
    stray = uploads.photo_storage().save("demands/2019/01/" + "b" * 32 + ".png", ContentFile(png_bytes()))
    time_machine.move_to(timezone.now() + timezone.timedelta(days=1))

    uploads.photo_sweep(months=None)

    assert legacy.file.name in stored_files() and stray not in stored_files()


def test_photos_kept_for_an_unfinished_form_are_swept_once_past_their_age(world, time_machine):
    form_page = Client()
    response = form_page.post(reverse("demands:submit"), {"type": "help", "content": "", "photos": [photo("p.png")]})
    assert response.status_code == 400
    [kept] = [entry["path"] for entry in form_page.session[pending_uploads.SESSION_KEY].values()]

    assert uploads.photo_sweep() == 0
    time_machine.move_to(timezone.now() + timezone.timedelta(seconds=pending_uploads.MAX_AGE + 60))
    assert uploads.photo_sweep() == 1
    assert kept not in stored_files()


def test_beat_runs_the_photo_sweep():
    from portal.celery import app

    app.loader.import_default_modules()
    [entry] = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "demands.photo_sweep"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 3600


# ---------------------------------------------------------------- an S3-compatible store, set up from the environment


def settings_from_environment(monkeypatch, **environ) -> dict:
    """portal/settings.py read afresh with these variables, as a web node starts."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("fresh_settings", ROOT / "portal" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STORAGES


def test_without_a_bucket_photos_are_local_files(monkeypatch):
    monkeypatch.delenv("STORAGE_S3_BUCKET", raising=False)
    assert settings_from_environment(monkeypatch)["default"]["BACKEND"].endswith("FileSystemStorage")


@pytest.fixture
def bucket(settings, monkeypatch):
    moto = pytest.importorskip("moto")
    import boto3

    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        s3.create_bucket(Bucket="minsheng-photos")
        settings.STORAGES = settings_from_environment(
            monkeypatch, STORAGE_S3_BUCKET="minsheng-photos", STORAGE_S3_REGION="us-east-1",
            STORAGE_S3_ACCESS_KEY="k", STORAGE_S3_SECRET_KEY="s", STORAGE_S3_PREFIX="portal",
        )
        yield lambda: {o["Key"] for o in s3.list_objects_v2(Bucket="minsheng-photos").get("Contents", [])}


def test_with_a_bucket_photos_go_there_and_are_served_only_to_who_may_see_the_demand(walk, staff, world, bucket,
                                                                                     other_township_dispatcher):
    local_before = {p for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    demand = walk(Status.DISPATCHED, photos=[photo("lamp.jpg", png_bytes(size=(40, 30)))])
    attachment = demand.attachments.get()

    assert bucket() == {f"portal/{attachment.file.name}"}
    assert {p for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file()} == local_before
    url = reverse("demands:photo", args=[attachment.token])
    response = logged_in(staff.handler).get(url)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (40, 30)
    assert logged_in(other_township_dispatcher).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    tracking = reverse("demands:track_photo", args=[demand.tracking_code, attachment.token])
    assert Client().get(tracking).status_code == 200


def test_with_a_bucket_a_rolled_back_intake_leaves_no_object_and_the_sweep_clears_orphans(world, staff, bucket,
                                                                                          time_machine):
    receive(world, actor=staff.dispatcher, external_id="12345-0002")
    with pytest.raises(IntegrityError):
        receive(world, actor=staff.dispatcher, external_id="12345-0002", photos=[photo("a.png")])
    assert bucket() == set()

    kept = receive(world, photos=[photo("kept.png")]).attachments.get()
    with transaction.atomic():
        receive(world, photos=[photo("lost.png")])
        transaction.set_rollback(True)
    assert len(bucket()) == 2
    time_machine.move_to(timezone.now() + timezone.timedelta(seconds=uploads.ORPHAN_GRACE_SECONDS + 60))

    assert uploads.photo_sweep() == 1
    assert bucket() == {f"portal/{kept.file.name}"}
