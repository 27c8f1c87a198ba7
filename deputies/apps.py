from django.apps import AppConfig


class DeputiesConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'deputies'
