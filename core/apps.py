from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: the organisation and the building blocks every other app stands on."""

    name = "core"
    verbose_name = "core"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from . import converters
        from .ratelimit import count_login_failure

        # <code:…>, <token:…>, <action:…> and <year:…> in the apps' urls.py, before any URLconf loads.
        converters.register()
        # Failures on either login form count towards the per-address login limit.
        user_login_failed.connect(count_login_failure, dispatch_uid="core.ratelimit.count_login_failure")
