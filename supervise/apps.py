from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuperviseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervise"
    verbose_name = _("Supervision and figures")
