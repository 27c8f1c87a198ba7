"""The arguments of GET and POST requests.json|xml, validated with Django's own (translated) messages."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import PHONE_RE
from grids.locate import locate
from grids.models import Grid

from . import selectors

# Far enough for any real query, near enough that ±90 days can never leave the calendar.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
DATE_BOUNDS = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]
STATUSES = ("open", "closed")
MEDIA_URL_MAX = 500  # Demand.media_url
# A postal code as the world writes them (636600, 90210-1234, SW1A 1AA); the district's are six digits.
ZIPCODE = RegexValidator(r"^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,8}[A-Za-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def query_data(querydict) -> dict:
    """A repeated argument counts as its comma-delimited values, as the spec allows for lists."""
    return {key: ",".join(querydict.getlist(key)) for key in querydict}


def _split(value: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


class DateRangeForm(forms.Form):
    """start_date and end_date as the spec reads them: either may be left out, the span has a limit."""

    start_date = forms.DateTimeField(required=False, validators=DATE_BOUNDS)
    end_date = forms.DateTimeField(required=False, validators=DATE_BOUNDS)
    default_span = selectors.DEFAULT_SPAN
    max_span = selectors.DEFAULT_SPAN

    def clean(self):
        cleaned = super().clean()
        if "start_date" in self.errors or "end_date" in self.errors:
            return cleaned
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start is None and end is None:
            end = timezone.now()
            start = end - self.default_span
        elif start is None:
            start = end - self.default_span
        elif end is None:
            end = start + self.default_span
        elif end < start:
            self.add_error("end_date", ValidationError(
                MinValueValidator.message, code="min_value", params={"limit_value": selectors.w3(start), "value": end}))
        elif end - start > self.max_span:
            # "... may not span more than 90 days."
            self.add_error("end_date", ValidationError(
                MaxValueValidator.message, code="max_value",
                params={"limit_value": selectors.w3(start + self.max_span), "value": end}))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


class UpdateQueryForm(DateRangeForm):
    """servicerequestupdates: a poller's short window (the last day when none is given), at most 90 days."""

    default_span = selectors.UPDATES_DEFAULT_SPAN


class RequestQueryForm(DateRangeForm):
    service_request_id = forms.CharField(required=False, max_length=selectors.MAX_REQUESTS * 30)
    service_code = forms.CharField(required=False, max_length=4000)
    status = forms.CharField(required=False, max_length=100)

    def clean_service_request_id(self) -> list[str] | None:
        return _split(self.cleaned_data["service_request_id"]) or None

    def clean_service_code(self) -> list[str]:
        return _split(self.cleaned_data["service_code"])

    def clean_status(self) -> set[str]:
        values = _split(self.cleaned_data["status"])
        for value in values:
            if value not in STATUSES:
                raise ValidationError(forms.ChoiceField.default_error_messages["invalid_choice"],
                                      code="invalid_choice", params={"value": value})
        return set(values)


class RequestCreateForm(forms.Form):
    service_code = forms.CharField(max_length=60)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=200)
    # Our master address repository is the grid register: an address_id is a grid code.
    address_id = forms.CharField(required=False, max_length=20)
    # Optional in the spec: without one the demand says what service was asked for (demand_fields).
    description = forms.CharField(max_length=4000, required=False)
    first_name = forms.CharField(required=False, max_length=24)
    last_name = forms.CharField(required=False, max_length=25)
    phone = forms.CharField(required=False, max_length=20)
    zipcode = forms.CharField(required=False, max_length=10, validators=[ZIPCODE])
    # A link to the client's own copy of a photo. Kept and handed back as text; the portal never fetches it (a
    # server that fetched what clients name could be made to reach its own network).
    media_url = forms.CharField(required=False, max_length=MEDIA_URL_MAX, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _field, choices in selectors.ATTRIBUTES:
            self.fields[f"attribute[{code}]"] = forms.ChoiceField(choices=choices.choices, required=False)

    def clean_address_id(self) -> Grid | None:
        # A CharField first, so that a NUL byte is refused before it reaches the database.
        code = self.cleaned_data["address_id"]
        if not code:
            return None
        grid = Grid.objects.select_related("township").filter(code=code).first()
        if grid is None:
            raise ValidationError(forms.ModelChoiceField.default_error_messages["invalid_choice"],
                                  code="invalid_choice")
        return grid

    def clean_media_url(self) -> str:
        url = self.cleaned_data["media_url"]
        if not url:
            return ""
        invalid = ValidationError(URLValidator.message, code="invalid")
        # Control characters and spaces anywhere (URLValidator lets some through in the path), only http(s), no
        # user name or password to republish.
        if _CONTROL.search(url) or url != url.strip() or " " in url:
            raise invalid
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            raise invalid
        return url

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(_("Enter an 11-digit mobile number or a landline such as 0827-5221234."))
        return phone

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in ("lat", "long", "address_id")):
            return cleaned
        lat, lng = cleaned.get("lat"), cleaned.get("long")
        required = forms.Field.default_error_messages["required"]
        if lat is not None and lng is None:
            self.add_error("long", ValidationError(required, code="required"))
        elif lng is not None and lat is None:
            self.add_error("lat", ValidationError(required, code="required"))
        elif lat is None and not cleaned.get("address_string") and cleaned.get("address_id") is None:
            # "A full location parameter must be submitted": any one of the three will do.
            self.add_error(None, ValidationError("%(fields)s: %(message)s", code="required",
                                                 params={"fields": "lat & long | address_string | address_id",
                                                         "message": required}))
        return cleaned

    def demand_fields(self, category) -> dict:
        """Keyword arguments for demands.services.demand_receive, category and actor aside."""
        c = self.cleaned_data
        service = category if category is not None else selectors.unclassified_name()
        content = c["description"].strip() or _("%(service)s (reported without a description)") % {
            "service": service}
        lat, lng = c["lat"], c["long"]
        grid = c["address_id"] or (locate(lat, lng)[0] if lat is not None else None)
        return {
            "type": c["attribute[demand_type]"] or selectors.DEFAULT_DEMAND_TYPE,
            "urgency": c["attribute[urgency]"] or "normal",
            "content": content,
            "address": c["address_string"],
            "lat": None if lat is None else Decimal(f"{lat:.6f}"),
            "lng": None if lng is None else Decimal(f"{lng:.6f}"),
            "township": grid.township if grid else None,
            "grid": grid,
            "contact_name": full_name(c["first_name"], c["last_name"]),
            "contact_phone": c["phone"],
            "media_url": c["media_url"],
            "zipcode": c["zipcode"].upper(),
        }


def full_name(first: str, last: str) -> str:
    if not first or not last:
        return first or last
    # Chinese names put the family name first, without a space.
    if any(ord(ch) >= 0x2E80 for ch in first + last):
        return last + first
    return f"{first} {last}"


def error_descriptions(form) -> list[str]:
    """Each message as «field: message»; the field names are the spec's, which clients know."""
    out = []
    for field, errors in form.errors.items():
        for message in errors:
            out.append(message if field == NON_FIELD_ERRORS else f"{field}: {message}")
    return out
