from django.apps import AppConfig


class DemandsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'demands'
