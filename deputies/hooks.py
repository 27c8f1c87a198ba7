"""What apps above this one add to the deputy's pages, registered in their AppConfig.ready.

Deputies stand below suggestions: the suggestions app adds the drafts a demand can be cited in, and this app
never imports it (docs/architecture.md).
"""

from collections.abc import Callable

# Each returns extra context for the deputy's home page.
HOME_EXTRAS: list[Callable[[object], dict]] = []


def home_extras(deputy) -> dict:
    context = {}
    for provide in HOME_EXTRAS:
        context.update(provide(deputy))
    return context
