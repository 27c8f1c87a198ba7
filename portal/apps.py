from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"

    def ready(self):
        from . import checks  # noqa: F401  (the deployment checks register themselves)

        _make_sqlite_folder()


def _make_sqlite_folder():
    # `make run` keeps its SQLite file in VAR_DIR; the folder is made when that database is used, never for
    # PostgreSQL, and a folder that cannot be made is left to the database's own error and `check --deploy`.
    from pathlib import Path

    from django.conf import settings

    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if database["ENGINE"].endswith("sqlite3") and name and name != ":memory:" and not name.startswith("file:"):
        try:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
