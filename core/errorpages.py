"""Error answers in the form each caller reads: the API's JSON, a standard's own format, or the Chinese page.

Apps that speak another format under their own path register a renderer here (open311 does, in its AppConfig),
so this floor never imports them.
"""

from collections.abc import Callable

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

CODES = {400: "invalid", 404: "not_found", 500: "server_error"}
_RENDERERS: dict[str, Callable[[object, int, list], HttpResponse]] = {}


def register(prefix: str, renderer: Callable[[object, int, list], HttpResponse]) -> None:
    _RENDERERS[prefix] = renderer


def error_response(request, status: int, detail) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": CODES.get(status, "error"), "detail": str(detail)}, status=status)
    for prefix, renderer in _RENDERERS.items():
        if request.path.startswith(prefix):
            return renderer(request, status, [detail])
    return render(request, f"{status}.html", status=status)


def not_found(request, exception=None):
    """404 for the whole site."""
    return error_response(request, 404, _("Not found."))
