"""Photos from residents and handlers: only real images, re-encoded so nothing else rides along.

Every upload path (the submit page, the resolve form, the attachments API) goes through `check_photo`,
which decodes the file with Pillow and keeps only its pixels, and `photos_written_first`, which writes them to
the attachments' storage under a random name before the demand's transaction (`attach_photo` then adds the
row). The resident's file name is display text only. Storage is Django's (local files, or a shared S3-compatible
store), never a path on one machine; `photo_sweep` removes files whose row never committed.
"""

import functools
import io
import logging
import math
import re
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.errors import InvalidInput

# Pillow formats accepted from residents; GIF and everything else is refused (a GIF can also be a script).
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
STORED = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
KEPT_MODES = ("RGB", "RGBA", "L", "LA")
# Stored photos are at most this long a side: plenty to see a pothole, a fraction of a camera's pixels.
MAX_SIDE = 2560
DEFAULT_MAX_PIXELS = 40_000_000
# What one photo may cost while it is decoded. Pillow keeps RGB as four bytes a pixel, like RGBA, so 64 MB is a
# 16-megapixel PNG or WebP; a JPEG is decoded at 1/2, 1/4 or 1/8 scale until it fits. A photo then costs under
# 100 MB and a second, where a 6,324 × 6,324 PNG took 600 MB and 4.6 s.
DEFAULT_DECODE_BUDGET = 64_000_000
# A PNG or WebP of over 8 megapixels that inflates more than 250-fold is a blank or a bomb, not a photo (a camera's
# PNG inflates under 20-fold); screenshots and other small pictures are let through whatever they are.
MAX_INFLATION, INFLATION_FLOOR = 250, 32_000_000
# Second line of defence for any other image Pillow opens in this process: refused at twice this many pixels.
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
# Markup or script that a browser would run if these bytes were ever read as a page. Long enough that
# compressed image data does not produce them by chance (under one in ten thousand per 5 MB photo).
POLYGLOT = re.compile(
    rb"<\s*(?:script|html|body|iframe|object|embed|!doctype|\?php|svg\s+xmlns)|javascript:|\bon(?:load|error)\s*=",
    re.IGNORECASE,
)


@dataclass
class CheckedPhoto:
    original_name: str
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


def _refuse(name: str, message) -> InvalidInput:
    return InvalidInput(field_errors={"photos": [_("“%(name)s”: %(problem)s") % {"name": name, "problem": message}]})


def _max_pixels() -> int:
    return getattr(settings, "MAX_PHOTO_PIXELS", DEFAULT_MAX_PIXELS)


def _decode_budget() -> int:
    return getattr(settings, "MAX_PHOTO_DECODE_BYTES", DEFAULT_DECODE_BUDGET)


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow holds per pixel once decoded, plus the RGB(A) copy when the mode must be converted."""
    held = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    return held if mode in KEPT_MODES else held + 4


def _decoded_bytes(image: Image.Image) -> int:
    return image.width * image.height * _bytes_per_pixel(image.mode)


def _draft_to_budget(image: Image.Image) -> None:
    """Have libjpeg decode a JPEG at 1/2, 1/4 or 1/8 scale: the largest that fits the budget and is no smaller
    than MAX_SIDE needs. Nothing is decoded yet; other formats are decoded at full size or not at all."""
    if image.format != "JPEG":
        return
    width, height = image.size

    def needed_at(scale: int) -> int:
        return math.ceil(width / scale) * math.ceil(height / scale) * _bytes_per_pixel(image.mode)

    scale = 1
    while scale < 8 and (max(width, height) // (scale * 2) >= MAX_SIDE or needed_at(scale) > _decode_budget()):
        scale *= 2
    if scale > 1:
        image.draft(None, (width // scale, height // scale))


def _too_costly(image: Image.Image, file_size: int) -> bool:
    needed = _decoded_bytes(image)
    if needed > _decode_budget():
        return True
    return image.format != "JPEG" and needed > INFLATION_FLOOR and needed > MAX_INFLATION * file_size


def _shrink(image: Image.Image, fmt: str) -> Image.Image:
    factor = math.ceil(max(image.size) / MAX_SIDE)
    if fmt != "JPEG" and factor >= 2:
        # Averaging whole blocks costs a fraction of a resize, above all with an alpha band (which resize
        # premultiplies in two more full-size copies).
        return image.reduce(factor)
    # libjpeg has already decoded it at under twice MAX_SIDE; a resize finishes the job.
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _hides_markup(raw: bytes, info: dict) -> bool:
    if POLYGLOT.search(raw):
        return True
    # PNG zTXt/iTXt chunks are compressed, so look at what Pillow unpacked too.
    for value in info.values():
        if isinstance(value, str):
            value = value.encode("utf-8", "replace")
        if isinstance(value, bytes) and POLYGLOT.search(value):
            return True
    return False


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded colour profile, so dropping it with the other metadata keeps the colours."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def check_photo(upload) -> "CheckedPhoto | StoredPhoto":
    """Decode the upload as an image and re-encode its pixels as JPEG or PNG.

    EXIF (GPS position, camera serial), XMP, IPTC, comments and colour profiles are all left behind, and
    so is anything appended to or hidden inside the file. A StoredPhoto was checked before it was written: it
    comes back as it is.
    """
    if isinstance(upload, StoredPhoto):
        return upload
    name = ((getattr(upload, "name", "") or "photo").replace("\\", "/").rsplit("/", 1)[-1] or "photo")[:200]
    limit = settings.MAX_PHOTO_BYTES
    too_big = _("larger than %(mb)s MB.") % {"mb": f"{limit / 1024 / 1024:g}"}
    too_large = _("the picture is too large to process (%(width)s × %(height)s pixels); please send a smaller one, "
                  "such as a photo taken with a phone camera.")
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(name, too_big)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise _refuse(name, too_big)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; a bomb is refused either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                if fmt not in ACCEPTED_FORMATS:
                    raise _refuse(name, _("not a JPEG, PNG or WebP image."))
                if probe.width * probe.height > _max_pixels():
                    raise _refuse(name, _("the image has too many pixels."))
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                full_size = image.size
                _draft_to_budget(image)
                # Refused from the header alone, before a single pixel is decoded.
                if _too_costly(image, len(raw)):
                    raise _refuse(name, too_large % {"width": full_size[0], "height": full_size[1]})
                image.load()
                if _hides_markup(raw, image.info):
                    raise _refuse(name, _("the file hides web page or script code; only plain photos are accepted."))
                if image.mode not in KEPT_MODES:
                    image = image.convert("RGBA" if image.has_transparency_data else "RGB")
                # Shrunk first: turning it upright and converting its colours then work on the small copy.
                image = ImageOps.exif_transpose(_shrink(image, fmt))
                image = _to_srgb(image)
                has_alpha = "A" in image.getbands()
                # Only the pixels are copied: no info dict, so no EXIF, XMP, ICC or text chunk can follow.
                pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(name, _("the image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(name, _("not a readable image file.")) from None
    out = io.BytesIO()
    stored_format = "PNG" if fmt == "PNG" or has_alpha else "JPEG"
    if stored_format == "JPEG":
        pixels.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        # zlib's fastest level: optimize=True spent eight seconds on a noisy 1,200 × 1,200 picture, level 1 a tenth.
        pixels.save(out, "PNG", compress_level=1)
    extension, content_type = STORED[stored_format]
    return CheckedPhoto(name, out.getvalue(), extension, content_type, pixels.width, pixels.height)


# ---------------------------------------------------------------- storing, outside the demand's transaction

logger = logging.getLogger(__name__)
FOLDER = "demands"
# A file is an orphan only this long after it was written: far longer than any transaction that adds its row.
ORPHAN_GRACE_SECONDS = 3600


@dataclass
class StoredPhoto:
    """A checked photo already in storage: the service adds its attachment row and nothing else."""

    photo: CheckedPhoto
    token: str
    name: str


def photo_storage():
    from .models import DemandAttachment

    # The field's own storage: STORAGES["default"] unless the field names another.
    return DemandAttachment._meta.get_field("file").storage


def photos_written_first(service):
    """Check the service's `photos` and write them to storage before it opens its transaction.

    The service then only adds rows (`attach_photo`): no row is locked while storage is written, a retried
    transaction reuses the same files, and if the service raises its files are deleted. Photos that fail their
    check, or too many of them, are handed on untouched (rewound), so the service refuses them in its usual order,
    after scope and state. Should an enclosing transaction roll back later, `photo_sweep` deletes the files.
    """

    @functools.wraps(service)
    def wrapper(*args, photos=(), **kwargs):
        stored = _write_first(photos)
        if stored is None:
            return service(*args, photos=photos, **kwargs)
        try:
            return service(*args, photos=stored, **kwargs)
        except BaseException:
            discard_photos(stored)
            raise

    return wrapper


def _write_first(photos) -> list[StoredPhoto] | None:
    photos = list(photos or ())
    if not photos or len(photos) > settings.MAX_PHOTOS or any(isinstance(p, StoredPhoto) for p in photos):
        return None  # nothing to write, the service's own refusal, or written already by the caller
    try:
        checked = [check_photo(upload) for upload in photos]
    except InvalidInput:
        for upload in photos:
            if hasattr(upload, "seek"):
                upload.seek(0)
        return None
    stored = []
    try:
        for photo in checked:
            stored.append(_write(photo))
    except BaseException:
        discard_photos(stored)
        raise
    return stored


def _write(photo: CheckedPhoto) -> StoredPhoto:
    # The token names the file and its URL: random, never derived from the client's file name.
    token = secrets.token_hex(16)
    path = f"{FOLDER}/{timezone.localdate():%Y/%m}/{token}.{photo.extension}"
    name = photo_storage().save(path, ContentFile(photo.data))
    return StoredPhoto(photo, token, name)


def discard_photos(stored) -> None:
    for item in stored:
        try:
            photo_storage().delete(item.name)
        except Exception:  # the failure being handled matters more; the sweep deletes what is left
            logger.warning("could not delete the photo file %s", item.name, exc_info=True)


def attach_photo(demand, stored: StoredPhoto, *, purpose, event=None):
    """The attachment row of a photo written by `photos_written_first`, in the caller's transaction."""
    from .models import DemandAttachment

    photo = stored.photo
    attachment = DemandAttachment(
        demand=demand, event=event, purpose=purpose, token=stored.token, extension=photo.extension,
        original_name=photo.original_name, content_type=photo.content_type, size=len(photo.data),
        width=photo.width, height=photo.height,
    )
    attachment.file.name = stored.name
    attachment.save()
    return attachment


def photo_sweep(*, months: int | None = 2) -> int:
    """Delete photo files that no attachment row names and that are older than the grace period; how many went.

    A file is written before its demand's transaction, so a crash or a rolled-back enclosing transaction can leave
    one behind. Only the folders of the last `months` upload months are walked (all of them with months=None): the
    hourly run has seen every older one. Kept photos of unfinished forms past their age go too.
    """
    from . import pending_uploads
    from .models import DemandAttachment

    storage = photo_storage()
    cutoff = timezone.now() - timezone.timedelta(seconds=ORPHAN_GRACE_SECONDS)
    removed = 0
    for folder in _folders(storage, months):
        try:
            _dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{f}" for f in files]
        for start in range(0, len(names), 500):
            batch = names[start:start + 500]
            named = set(DemandAttachment.objects.filter(file__in=batch).values_list("file", flat=True))
            for name in batch:
                try:
                    if name in named or storage.get_modified_time(name) > cutoff:
                        continue
                except FileNotFoundError:  # deleted meanwhile (a second sweep, a failed action cleaning up)
                    continue
                # Once more right before deleting, in case its row committed while this batch was looked at.
                if not DemandAttachment.objects.filter(file=name).exists():
                    storage.delete(name)
                    removed += 1
    return removed + pending_uploads.sweep()


def _folders(storage, months: int | None) -> list[str]:
    if months is not None:
        today = timezone.localdate()
        index = today.year * 12 + today.month - 1
        return [f"{FOLDER}/{i // 12:04d}/{i % 12 + 1:02d}" for i in range(index, index - months, -1)]
    try:
        years, _files = storage.listdir(FOLDER)
    except FileNotFoundError:
        return []
    found = [FOLDER]
    for year in sorted(years):
        found += [f"{FOLDER}/{year}/{month}" for month in sorted(storage.listdir(f"{FOLDER}/{year}")[0])]
    return found
