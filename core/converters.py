"""Path converters: every value taken from a URL path is checked here, before a view or the database sees it.

Each accepts exactly the characters its values are made of and a bounded length; anything else (a NUL byte, a
dot, a slash, two thousand characters) does not match the route and gets the 404.
"""

from django.urls import register_converter


class _Text:
    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class CodeConverter(_Text):
    """Codes of townships, communities, grids, deputies and stations, and residents' tracking codes."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}"


class TokenConverter(_Text):
    """URL-safe random tokens: rating links and photo addresses."""

    regex = r"[A-Za-z0-9_-]{1,64}"


class ActionConverter(_Text):
    """The name of a lifecycle action (accept, follow_up …)."""

    regex = r"[a-z][a-z_]{0,31}"


class YearConverter:
    """A ballot round's year."""

    regex = r"[0-9]{1,4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


CONVERTERS = {"code": CodeConverter, "token": TokenConverter, "action": ActionConverter, "year": YearConverter}


def register() -> None:
    for name, converter in CONVERTERS.items():
        register_converter(converter, name)
