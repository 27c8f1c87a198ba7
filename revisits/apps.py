from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RevisitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "revisits"
    verbose_name = _("Call-backs")

    def ready(self):
        from . import receivers  # noqa: F401  (the signal receiver)
