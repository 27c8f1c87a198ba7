"""Site-wide pages: the home page and the health check."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

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


def not_found(request, exception=None):
    """404 for the whole site: JSON in the API's error format under /api/, the Chinese page elsewhere."""
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
    if request.path.startswith("/open311/"):
        from open311 import render as open311_render

        fmt = "json" if request.path.endswith(".json") else "xml"
        return open311_render.errors(fmt, 404, [_("Not found.")])
    return render(request, "404.html", status=404)


def server_error(request):
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": _("Internal error; it has been logged.")}, status=500)
    from django.views.defaults import server_error as default

    return default(request)
