"""The one way a stored photo leaves the server: checked against who may see its demand.

The photos' storage (MEDIA_ROOT, or a private S3-compatible bucket) is never served directly and no URL of it is
handed out: the file is read here through Django's storage API. Staff pages and the API link `/photos/<token>/`;
the resident's tracking page links `/track/<code>/photos/<token>/`, where the tracking code is the credential, as
it is for the tracking page itself. Anyone else gets the same 404 as for a photo that does not exist.
"""

import re

from django.http import FileResponse, Http404
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.settings import api_settings

from .codes import normalize_code
from .models import DemandAttachment
from .permissions import can_view

TOKEN = re.compile(r"^[0-9a-f]{32}$")
# Served inline only as these types; anything else (none is stored today) is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
# A file that is opened on its own runs nothing and loads nothing, even if a browser took it for a page.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'none'"


def photo_url(attachment, *, tracking_code: str | None = None) -> str:
    if tracking_code:
        return reverse("demands:track_photo", args=[tracking_code, attachment.token])
    return reverse("demands:photo", args=[attachment.token])


def _viewer(request):
    """The session user, or the integration client named by an API token (the API links these URLs)."""
    if request.user.is_authenticated:
        return request.user
    # The API's own authenticators (the integrations' tokens among them), as configured; sessions are above.
    for authenticator in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authenticator, SessionAuthentication):
            continue
        try:
            found = authenticator().authenticate(request)
        except AuthenticationFailed:
            return None
        if found:
            return found[0]
    return None


def may_see(request, attachment, *, code=None) -> bool:
    demand = attachment.demand
    if code is not None:
        return normalize_code(code) == demand.tracking_code
    viewer = _viewer(request)
    return viewer is not None and can_view(viewer, demand)


@require_safe
def photo(request, token, code=None, pk=None):
    attachment = (DemandAttachment.objects.select_related("demand").filter(token=token).first()
                  if TOKEN.match(token) else None)
    if attachment is None or (pk is not None and attachment.demand_id != pk):
        raise Http404
    if not may_see(request, attachment, code=code):
        raise Http404
    return serve(attachment)


def serve(attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    inline = attachment.content_type in INLINE_TYPES
    extension = attachment.extension if attachment.extension.isalnum() else "bin"
    response = FileResponse(
        handle, content_type=attachment.content_type if inline else "application/octet-stream",
        as_attachment=not inline, filename=f"{attachment.token}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Personal evidence: browsers may keep it, shared caches and proxies may not.
    response["Cache-Control"] = "private, max-age=3600"
    response["Vary"] = "Cookie, Authorization"
    return response
