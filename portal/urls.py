from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from accounts import views as accounts_views
from demands import resident_views
from core.schema import SchemaView

from . import views

accounts_patterns = (
    [
        path("login/", accounts_views.LoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("phone/", resident_views.phone_signin, name="phone_signin"),
        path("phone/code/", resident_views.phone_code, name="phone_code"),
    ],
    "accounts",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(accounts_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("places/", include("grids.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((("portal.api_urls"), "api"))),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api_docs"),
    path("inbox/", include("notifications.urls")),
    path("open311/", include("open311.urls")),
    path("staff/deputy/", include(("deputies.urls", "deputies"))),
    path("staff/suggestions/", include(("suggestions.urls", "suggestions"))),
    path("staff/dashboard/", include(("supervise.urls", "supervise"))),
    path("staff/insight/", include(("supervise.insight_urls", "insight"))),
    path("staff/revisits/", include("revisits.urls")),
    path("staff/inquiries/", include(("inquiries.urls", "inquiries"))),
    path("inquiries/", include(("inquiries.public_urls", "inquiries_public"))),
    path("staff/evaluations/", include("evaluations.urls")),
    path("stats/", include(("supervise.public_urls", "stats"))),
    path("evaluations/", include("evaluations.public_urls")),
    path("", include(("deputies.public_urls", "deputies_public"))),
    path("", include(("livelihood.urls", "livelihood"))),
    path("", include("demands.urls")),
]

if "bench.ceiling" in settings.INSTALLED_APPS:
    urlpatterns += [path("bench/", include("bench.ceiling.urls"))]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
