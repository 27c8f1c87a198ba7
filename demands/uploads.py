"""Photos from residents and handlers: only real images, re-encoded so nothing else rides along."""

import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import InvalidInput

# Pillow format -> (stored extension, content type). Anything else is refused.
ALLOWED = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp"),
           "GIF": ("png", "image/png")}
MAX_PIXELS = 40_000_000
MAX_SIDE = 4096


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


def check_photo(upload) -> CheckedPhoto:
    """Decode the upload as an image and re-encode it, dropping EXIF (which can hold a home's GPS position)."""
    name = (getattr(upload, "name", "") or "photo")[:200]
    size = getattr(upload, "size", None)
    if size is not None and size > settings.MAX_PHOTO_BYTES:
        raise _refuse(name, _("larger than 5 MB."))
    raw = upload.read(settings.MAX_PHOTO_BYTES + 1)
    if len(raw) > settings.MAX_PHOTO_BYTES:
        raise _refuse(name, _("larger than 5 MB."))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in ALLOWED:
            raise _refuse(name, _("not a JPEG, PNG, WebP or GIF image."))
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(name, _("the image has too many pixels."))
            image = ImageOps.exif_transpose(image)
            if fmt == "GIF" or image.mode not in ("RGB", "RGBA", "L"):
                image = image.convert("RGBA" if "A" in image.getbands() or fmt == "GIF" else "RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            extension, content_type = ALLOWED[fmt]
            if extension == "jpg":
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                image.save(out, "PNG" if extension == "png" else "WEBP")
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(name, _("not a readable image file.")) from None
    return CheckedPhoto(name, out.getvalue(), extension, content_type, width, height)


def store_photo(demand, photo: CheckedPhoto, *, purpose, event=None):
    from .models import DemandAttachment

    attachment = DemandAttachment(
        demand=demand, event=event, purpose=purpose, token=secrets.token_hex(16), extension=photo.extension,
        original_name=photo.original_name, content_type=photo.content_type, size=len(photo.data),
        width=photo.width, height=photo.height,
    )
    attachment.file.save("photo", ContentFile(photo.data), save=False)
    attachment.save()
    return attachment
