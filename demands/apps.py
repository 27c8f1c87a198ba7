from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "demands"
    verbose_name = _("Demands")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from grids.models import Township
        from core.api import CachedSlugRelatedField

        from .models import Category

        # A deactivated category or a renamed township is refused or found by every process on its next request.
        for model in (Township, Category):
            post_save.connect(CachedSlugRelatedField.changed, sender=model, dispatch_uid=f"forget-{model.__name__}")
            post_delete.connect(CachedSlugRelatedField.changed, sender=model, dispatch_uid=f"forget-d-{model.__name__}")
