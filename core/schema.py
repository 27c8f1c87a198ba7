"""The OpenAPI document, built once per process for each language and API version rather than on every request.

drf-spectacular walks every view and serializer to build it, seconds of CPU for this API, and nothing it reads
changes while a process runs: the document is public (the same for every caller, signed in or not), its
descriptions follow the request's language, and the URL configuration (part of the key, as tests swap it) is fixed.
"""

from django.urls import get_resolver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    _built: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (get_resolver(), translation.get_language(), version)
        schema = self._built.get(key)
        if schema is None:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            schema = self._built[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(data=schema, headers={
            "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'})
