"""Site-wide pages: the home page and the health check."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from core import errorpages
from demands.models import Demand
from demands.states import Status


def home(request):
    counts = {
        "total": Demand.objects.count(),
        "closed": Demand.objects.filter(status=Status.CLOSED).count(),
    }
    return render(request, "home.html", {"counts": counts})


def healthz(request):
    """Database and broker status for load balancers and the operators."""
    result = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means unhealthy; the message helps the operator
        result["database"] = f"error: {exc.__class__.__name__}"
    try:
        from portal.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        result["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in result.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **result}, status=200 if healthy else 503)


not_found = errorpages.not_found


def server_error(request):
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": _("Internal error; it has been logged.")}, status=500)
    from django.views.defaults import server_error as default

    return default(request)
