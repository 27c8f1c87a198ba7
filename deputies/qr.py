"""QR codes of deputies, stations and grids (代表码上见): absolute landing URLs drawn as SVG or PNG."""

import hashlib
import io
from functools import lru_cache

import segno
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.safestring import mark_safe

# Q survives a scuffed or partly covered poster better than M; segno may raise it further for free.
ERROR_LEVEL = "q"
PNG_SCALE = 10
SVG_SCALE = 4
QUIET_ZONE = 4
MAX_AGE = 24 * 3600

LANDING = {"deputy": "deputies_public:deputy", "station": "deputies_public:station", "grid": "deputies_public:grid"}


def landing_url(kind: str, code: str) -> str:
    """The absolute address a printed code points to; it must work from a phone outside the office."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(LANDING[kind], args=[code])


def deputy_url(deputy) -> str:
    return landing_url("deputy", deputy.code)


def station_url(station) -> str:
    return landing_url("station", station.code)


def grid_url(grid) -> str:
    return landing_url("grid", grid.code)


@lru_cache(maxsize=512)
def _make(url: str):
    return segno.make_qr(url, error=ERROR_LEVEL, boost_error=True)


def qr_svg_inline(url: str, *, title: str = "", css_class: str = "qr") -> str:
    """An <svg> element for a page: sized by CSS (viewBox only), black on white with the quiet zone."""
    svg = _make(url).svg_inline(scale=SVG_SCALE, border=QUIET_ZONE, omitsize=True, svgclass=css_class,
                                title=title or None, light="#fff")
    # segno writes the markup itself and escapes the title.
    return mark_safe(svg)  # nosec B308 B703


def qr_svg(url: str) -> bytes:
    buf = io.BytesIO()
    _make(url).save(buf, kind="svg", scale=SVG_SCALE, border=QUIET_ZONE, light="#fff", xmldecl=True)
    return buf.getvalue()


def qr_png(url: str, *, scale: int = PNG_SCALE) -> bytes:
    buf = io.BytesIO()
    _make(url).save(buf, kind="png", scale=scale, border=QUIET_ZONE)
    return buf.getvalue()


CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def qr_response(request, url: str, fmt: str, *, filename: str = "qr") -> HttpResponse:
    """The code as a file. It changes only when the landing URL does, so clients and proxies may keep it a day."""
    etag = '"%s"' % hashlib.sha256(f"{fmt}:{ERROR_LEVEL}:{url}".encode()).hexdigest()[:32]
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        body = qr_svg(url) if fmt == "svg" else qr_png(url)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'inline; filename="{filename}.{fmt}"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
