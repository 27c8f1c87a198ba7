"""Site-wide request handling: the default language, refused control characters, no-store caching of private
responses, and the shared login and page-action limits."""

import re
from urllib.parse import unquote_plus

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .errorpages import error_response, not_found
from .ratelimit import login_refused, over_action_limit, too_many

# The two login forms share one set of limits.
LOGIN_VIEWS = frozenset({"accounts:login", "admin:login"})


class DefaultLanguageMiddleware:
    """Ignore the browser's Accept-Language so a phone set to English still gets the Chinese portal by default;
    the language cookie (set by the footer switcher) still wins in LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# A tab pasted into a search box is harmless in a query string; every other control character is refused.
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ControlCharacterMiddleware:
    """Defence in depth behind the path converters: a NUL or another control character in the address never
    reaches a view or the database. In the path it names nothing here (404); in the query string it is bad
    input (400). Both before routing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _PATH_CONTROL.search(request.path):
            return not_found(request)
        if _QUERY_CONTROL.search(unquote_plus(request.META.get("QUERY_STRING", ""), errors="replace")):
            return _bad_request(request)
        return self.get_response(request)


def _bad_request(request):
    """400 in the form the caller reads: the API's error body, Open311's, or the Chinese page."""
    detail = _("The address holds characters that are not allowed. Please check the link and try again.")
    return error_response(request, 400, detail)


# Pages that show a tracking code, a rating token or a resident's photo (and the redirects that carry them).
PRIVATE_ROUTES = frozenset({"demands:track", "demands:track_detail", "demands:receipt", "demands:track_rate",
                            "demands:track_photo", "demands:photo", "demands:staff_photo", "demands:rate"})


def _must_not_be_stored(request) -> bool:
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.path.startswith(("/api/", "/open311/")):
        return True
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else ""
    return name in PRIVATE_ROUTES or name.rpartition(":")[2].startswith("export")


class NoStoreMiddleware:
    """Cache-Control: no-store on everything a browser or proxy must not keep: every response to a signed-in user
    or an API client, exports, and the resident's pages that carry a tracking code or a rating token.
    Static files (served before this) and public anonymous pages such as /stats/ stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _must_not_be_stored(request):
            add_never_cache_headers(response)
        return response


class ActionLimitMiddleware:
    """The limits every page shares, applied once before the view: the login forms (the portal's and the
    admin's) per address for failures, and every signed-in action per account and, higher, per address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        if request.resolver_match.view_name in LOGIN_VIEWS and login_refused(request):
            return too_many(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and over_action_limit(request):
            return too_many(request)
        return None
