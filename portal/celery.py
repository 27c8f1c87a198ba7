"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _filesystem_transport_options() -> dict:
    # kombu's filesystem transport needs its folders to exist before a producer or worker starts.
    from django.conf import settings

    folder = settings.CELERY_BROKER_DIR
    for sub in ("out", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "out"),
        "data_folder_out": str(folder / "out"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # The transport sleeps this long between reads; the default second makes a queue crawl.
        "polling_interval": 0.1,
    }


@app.on_configure.connect
def _configure_broker(sender, **kwargs):
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        sender.conf.broker_transport_options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                                                **_filesystem_transport_options()}


app.autodiscover_tasks()
