"""Public pages of deputies, stations and grids, mounted at the site root (namespace "deputies_public")."""

from django.urls import path, register_converter

from . import public


class ImageFormat:
    regex = "svg|png"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ImageFormat, "qrfmt")

# <code:…> (core.converters): anything else (a NUL byte, a dot) cannot name a deputy, station or grid.
urlpatterns = [
    path("d/<code:code>/", public.deputy_landing, name="deputy"),
    path("d/<code:code>/qr.<qrfmt:fmt>", public.deputy_qr, name="deputy_qr"),
    path("d/<code:code>/report/<year:year>/", public.annual_report, name="annual_report"),
    path("deputy-score-rule/", public.score_rule, name="score_rule"),
    path("s/<code:code>/", public.station_landing, name="station"),
    path("s/<code:code>/qr.<qrfmt:fmt>", public.station_qr, name="station_qr"),
    path("s/<code:code>/print/", public.station_poster, name="station_print"),
    path("g/<code:code>/", public.grid_landing, name="grid"),
    path("g/<code:code>/qr.<qrfmt:fmt>", public.grid_qr, name="grid_qr"),
    path("g/<code:code>/print/", public.grid_poster, name="grid_print"),
    path("stations/", public.station_list, name="stations"),
]
