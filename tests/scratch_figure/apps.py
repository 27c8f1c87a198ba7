"""A test-only app that adds a figure to the registry, as a later change to the dashboard would: the count of urgent
demands and its share of those received (tests/test_figure_registry.py, through tests/scratch_settings.py).

The figure is registered when Django imports this module, before any model: the ledger's model then has its column."""

from django.apps import AppConfig

from supervise import registry

registry.register(
    registry.Count("urgent", (registry.eq("urgency", "urgent"),), "Urgent", {"urgency": "urgent"}),
    registry.RateFigure("urgent_share", "urgent", "received", "Urgent share", "Urgent share (%)",
                        "Urgent demands ÷ received."),
)


class ScratchFigureConfig(AppConfig):
    name = "tests.scratch_figure"
    label = "scratch_figure"
    default_auto_field = "django.db.models.BigAutoField"
