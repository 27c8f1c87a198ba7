from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from . import checks, converters  # noqa: F401  (the deployment checks register themselves)
        from .ratelimit import count_login_failure

        # <code:…>, <token:…>, <action:…> and <year:…> in the apps' urls.py, before any URLconf loads.
        converters.register()
        # Failures on either login form count towards the per-address login limit.
        user_login_failed.connect(count_login_failure, dispatch_uid="portal.ratelimit.count_login_failure")
