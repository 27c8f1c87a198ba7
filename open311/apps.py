from django.apps import AppConfig


class Open311Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "open311"
    # A standard's proper name, the same in every language.
    verbose_name = "Open311 GeoReport v2"

    def ready(self):
        from core import errorpages

        from . import render

        # Errors under /open311/ answer in the spec's error document, in the format the address asks for.
        errorpages.register("/open311/", lambda request, status, details: render.errors(
            "json" if request.path.endswith(".json") else "xml", status, details))
