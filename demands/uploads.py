"""Photos from residents and handlers: only real images, re-encoded so nothing else rides along.

Every upload path (the submit page, the resolve form, the attachments API) goes through `check_photo`,
which decodes the file with Pillow and keeps only its pixels, and `store_photo`, which files them under a
random name. The resident's file name is display text only.
"""

import io
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
MAX_SIDE = 4096
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
    return getattr(settings, "MAX_PHOTO_PIXELS", 40_000_000)


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
                image.load()
                if _hides_markup(raw, image.info):
                    raise _refuse(name, _("the file hides web page or script code; only plain photos are accepted."))
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA" if image.has_transparency_data else "RGB")
                image = _to_srgb(image)
                image.thumbnail((MAX_SIDE, MAX_SIDE))
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
        pixels.save(out, "PNG", optimize=True)
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
