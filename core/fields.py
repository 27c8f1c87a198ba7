"""Form fields shared by pages and the API (whose JSON bodies reach the same forms)."""

import datetime as dt

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (yyyy-mm-dd) whatever the language's display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SafeDateField(forms.DateField):
    """A date from a form or from JSON: a number or a list is refused with a message, not a server error."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, (str, dt.date)):
            value = str(value)
        return super().to_python(value)
