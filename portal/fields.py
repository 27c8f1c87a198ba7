"""Form fields shared by pages and the API (whose JSON bodies reach the same forms)."""

import datetime as dt

from django import forms


class SafeDateField(forms.DateField):
    """A date from a form or from JSON: a number or a list is refused with a message, not a server error."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, (str, dt.date)):
            value = str(value)
        return super().to_python(value)
