from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivelihoodConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livelihood"
    verbose_name = _("Livelihood projects")
