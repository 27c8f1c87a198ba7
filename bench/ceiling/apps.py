from django.apps import AppConfig


class CeilingConfig(AppConfig):
    """Installed only for bench/intake.py (BENCH_CEILING=1): the cheapest DRF create this machine can serve."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "bench.ceiling"
    label = "bench_ceiling"
