"""Photos that passed their check on a form that failed for another reason, kept for the next try.

Whoever typed a long text and attached photos on a phone should not have to pick them again because a phone number
was mistyped. A photo that passed `uploads.check_photo` is stored as checked (re-encoded pixels only) under a random
name in `pending/`, recorded in the session, and the form carries a signed token for it. On the next try the form
hands it to the service with the new photos, where it is checked again like any upload. Only the session that
uploaded a photo can bring it back; nothing older than MAX_AGE is kept. The resident's submit page and the staff
action forms (resolve) share this one mechanism.
"""

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import InvalidInput

from . import uploads

SESSION_KEY = "pending_photos"
FOLDER = "pending"
MAX_AGE = 6 * 3600  # seconds: long enough to fix a form, short enough not to hoard photos
MAX_PER_SESSION = 12  # a few forms' worth; past it the oldest go
_SALT = "demands.pending_uploads"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


@dataclass(frozen=True)
class PendingPhoto:
    token: str
    name: str
    path: str
    content_type: str

    @property
    def signed(self) -> str:
        """What the form posts back for this photo."""
        return _signer().sign(self.token)

    def as_upload(self) -> SimpleUploadedFile:
        with default_storage.open(self.path, "rb") as handle:
            return SimpleUploadedFile(self.name, handle.read(), content_type=self.content_type)


def _entries(request) -> dict:
    return dict(request.session.get(SESSION_KEY) or {})


def _tokens(values) -> list[str]:
    tokens = []
    for value in values:
        try:
            token = _signer().unsign(value, max_age=MAX_AGE)
        except signing.BadSignature:  # forged, garbled or expired: as if never sent
            continue
        if token not in tokens:
            tokens.append(token)
    return tokens


def find(request, *, scope: str, values) -> list[PendingPhoto]:
    """The photos the posted signed tokens name that this session kept for this form."""
    entries = _entries(request)
    found = []
    for token in _tokens(values):
        entry = entries.get(token)
        if entry is None or entry.get("scope") != scope or not default_storage.exists(entry["path"]):
            continue
        found.append(PendingPhoto(token, entry["name"], entry["path"], entry["type"]))
    return found[: settings.MAX_PHOTOS]


def keep(request, *, scope: str, photos) -> list[PendingPhoto]:
    """Store checked photos (uploads.CheckedPhoto) for this session and form."""
    if not photos:
        return []
    _purge(request)
    entries = _entries(request)
    kept = []
    for photo in photos:
        token = secrets.token_hex(16)
        path = default_storage.save(f"{FOLDER}/{token}.{photo.extension}", ContentFile(photo.data))
        entries[token] = {"scope": scope, "name": photo.original_name, "path": path, "type": photo.content_type,
                          "at": int(time.time())}
        kept.append(PendingPhoto(token, photo.original_name, path, photo.content_type))
    for token in sorted(entries, key=lambda t: entries[t].get("at", 0))[: max(0, len(entries) - MAX_PER_SESSION)]:
        default_storage.delete(entries.pop(token)["path"])
    request.session[SESSION_KEY] = entries
    return kept


def discard(request, photos) -> None:
    if not photos:
        return
    entries = _entries(request)
    for photo in photos:
        entries.pop(photo.token, None)
        default_storage.delete(photo.path)
    request.session[SESSION_KEY] = entries


def _purge(request) -> None:
    """Forget this session's expired photos; files of sessions that never came back are left to `sweep`."""
    now = time.time()
    entries = _entries(request)
    expired = [token for token, entry in entries.items() if now - entry.get("at", 0) > MAX_AGE]
    for token in expired:
        default_storage.delete(entries.pop(token)["path"])
    if expired:
        request.session[SESSION_KEY] = entries


def sweep() -> int:
    """Delete kept photos older than MAX_AGE, whoever kept them; how many went. Run periodically, not per request:
    on a shared object store, asking each file's age is a round trip."""
    now = time.time()
    try:
        _dirs, files = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return 0
    removed = 0
    for name in files:
        path = f"{FOLDER}/{name}"
        try:
            if now - default_storage.get_modified_time(path).timestamp() > MAX_AGE:
                default_storage.delete(path)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed


# ---------------------------------------------------------------- what a view does around a form with photos


def _photo_form(form) -> bool:
    return "photos" in form.fields and hasattr(form, "kept_photos_name")


def carry_over(request, form, *, scope: str) -> None:
    """Before validating: the photos kept from the last try ride along, except those the person removed."""
    if not _photo_form(form) or request.method != "POST":
        return
    shown = find(request, scope=scope, values=request.POST.getlist(form.kept_photos_name))
    removed = set(_tokens(request.POST.getlist(form.remove_photos_name)))
    discard(request, [p for p in shown if p.token in removed])
    form.kept_photos = [p for p in shown if p.token not in removed]


def keep_after_failure(request, form, *, scope: str) -> None:
    """After a failed try: keep the new uploads that pass their check, so the page shows them as uploaded."""
    if not _photo_form(form):
        return
    room = settings.MAX_PHOTOS - len(form.kept_photos)
    checked = []
    for upload in request.FILES.getlist(form.add_prefix("photos"))[: max(room, 0)]:
        upload.seek(0)
        try:
            checked.append(uploads.check_photo(upload))
        except InvalidInput as error:
            # Named beside the field, unless the service already said so.
            present = [str(m) for m in form.errors.get("photos", [])]
            for message in error.field_errors.get("photos", []):
                if str(message) not in present:
                    form.add_error("photos", message)
    form.kept_photos = [*form.kept_photos, *keep(request, scope=scope, photos=checked)]


def done(request, form) -> None:
    """After success: the service stored its own copies."""
    if _photo_form(form):
        discard(request, form.kept_photos)
