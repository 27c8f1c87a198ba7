"""Gunicorn access lines without secrets: `gunicorn --logger-class core.audit_gunicorn.RedactingLogger`.

The request line quotes paths and query strings that hold tracking codes, rating tokens, api_key and phone
numbers; the access log keeps the method, the scrubbed path and the status only.
"""

from gunicorn import glogging

from .logredact import redact


class RedactingLogger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact(environ.get("PATH_INFO", ""))
        query = "?…" if environ.get("QUERY_STRING") else ""
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path}{query} {environ['SERVER_PROTOCOL']}"
        atoms["U"], atoms["q"] = path, ""
        atoms["f"] = redact(atoms["f"].split("?", 1)[0])
        # Request headers (cookies, Authorization) are never offered to the format.
        return {key: value for key, value in atoms.items() if not key.endswith("}i")}
