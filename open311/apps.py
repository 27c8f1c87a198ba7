from django.apps import AppConfig


class Open311Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "open311"
    # A standard's proper name, the same in every language.
    verbose_name = "Open311 GeoReport v2"
