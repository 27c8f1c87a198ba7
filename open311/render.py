"""Open311 documents as JSON or XML: the same plain data, two spellings (GeoReport v2, "Format Support")."""

import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse, JsonResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# XML names the members of each list; the JSON (Spark convention) drops them and keeps an array.
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry, even escaped; a resident may paste them without knowing.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """`data` is a list (the members of `root`) or a dict (the children of `root`); None is an empty value."""
    if fmt == "json":
        return JsonResponse(data, safe=False, status=status, content_type=CONTENT_TYPES["json"],
                            json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    _fill(element, root, data)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES["xml"])


def errors(fmt: str, status: int, descriptions) -> HttpResponse:
    """The spec's error document; the code of each error is the HTTP status."""
    fmt = fmt if fmt in FORMATS else "xml"  # XML is the format every GeoReport client must read
    return respond(fmt, "errors", [{"code": status, "description": str(d)} for d in descriptions], status=status)


def _fill(element, tag: str, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), key, child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item_tag, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
