"""Language: Simplified Chinese unless the visitor picked another language with the switcher."""

from django.conf import settings


class DefaultLanguageMiddleware:
    """Ignore the browser's Accept-Language so a phone set to English still gets the Chinese portal by default;
    the language cookie (set by the footer switcher) still wins in LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
