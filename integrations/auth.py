"""Token authentication for integration clients and personal API tokens."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import token_user


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`)."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        user = token_user(header[1])
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return user, header[1]

    def authenticate_header(self, request):
        return "Token"


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class TokenScheme(OpenApiAuthenticationExtension):
        target_class = "integrations.auth.TokenAuthentication"
        name = "tokenAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "`Token <key>` from `manage.py create_integration` or a personal token"}
except ImportError:  # the schema tools are optional at run time
    pass
