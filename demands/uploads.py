"""Photos from residents and handlers: only real images, re-encoded so nothing else rides along.

Every upload path (the submit page, the resolve form, the attachments API) goes through `check_photo`,
which decodes the file with Pillow and keeps only its pixels, and `store_photo`, which files them under a
random name. The resident's file name is display text only.
"""

import io
import math
import re
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from portal.errors import InvalidInput

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


def check_photo(upload) -> CheckedPhoto:
    """Decode the upload as an image and re-encode its pixels as JPEG or PNG.

    EXIF (GPS position, camera serial), XMP, IPTC, comments and colour profiles are all left behind, and
    so is anything appended to or hidden inside the file.
    """
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


def store_photo(demand, photo: CheckedPhoto, *, purpose, event=None):
    from .models import DemandAttachment

    # The token names the file on disk and in its URL: random, never derived from the client's file name.
    attachment = DemandAttachment(
        demand=demand, event=event, purpose=purpose, token=secrets.token_hex(16), extension=photo.extension,
        original_name=photo.original_name, content_type=photo.content_type, size=len(photo.data),
        width=photo.width, height=photo.height,
    )
    attachment.file.save(f"{attachment.token}.{photo.extension}", ContentFile(photo.data), save=False)
    attachment.save()
    return attachment
