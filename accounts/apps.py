from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from core import audit

        # Failed logins and lockouts go to the audit log; request lines lose their secrets before any handler.
        audit.connect_receivers()
        audit.install_redaction()
