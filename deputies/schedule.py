"""Reception days of a liaison station: the next dates and the schedule in words (逢四说事, 每周四 …)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

LOOKAHEAD_DAYS = 400  # a schedule of month days that exist only in some months still shows its next dates
TALKS_ON_FOURS = [4, 14, 24]  # 逢四说事: the days of the month ending in 4


def _days(text: str, low: int, high: int) -> list[int]:
    """The numbers in a comma-separated field within [low, high]; anything else is ignored, never an error."""
    days = set()
    for part in (text or "").replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if part.isdigit() and low <= int(part) <= high:
            days.add(int(part))
    return sorted(days)


def weekdays(station) -> list[int]:
    return _days(station.reception_weekdays, 1, 7)


def monthdays(station) -> list[int]:
    return _days(station.reception_monthdays, 1, 31)


def next_reception_dates(station, *, today: dt.date | None = None, count: int = 3) -> list[dt.date]:
    """The next `count` reception days from `today` on (today included). A day of the month that a month
    lacks (the 31st of April, the 30th of February) is skipped in that month, not moved."""
    today = today or timezone.localdate()
    week, month = set(weekdays(station)), set(monthdays(station))
    if not week and not month:
        return []
    found = []
    day = today
    for _i in range(LOOKAHEAD_DAYS):
        if day.isoweekday() in week or day.day in month:
            found.append(day)
            if len(found) == count:
                break
        day += dt.timedelta(days=1)
    return found


def _join(items: list[str]) -> str:
    text = items[0]
    for item in items[1:]:
        text = _("%(list)s, %(item)s") % {"list": text, "item": item}
    return text


def weekday_name(iso_weekday: int) -> str:
    names = [_("Mondays"), _("Tuesdays"), _("Wednesdays"), _("Thursdays"), _("Fridays"), _("Saturdays"), _("Sundays")]
    return names[iso_weekday - 1]


def schedule_text(station) -> str:
    """The schedule in words, e.g. 每周四; 每月4日、14日、24日（逢四说事）; "" when the station set none."""
    parts = []
    week, month = weekdays(station), monthdays(station)
    if week:
        parts.append(_("weekly on %(weekdays)s") % {"weekdays": _join([weekday_name(d) for d in week])})
    if month:
        text = _("monthly on %(days)s") % {"days": _join([_("day %(day)s") % {"day": d} for d in month])}
        if month == TALKS_ON_FOURS:
            text += _(" (talks on the days ending in 4)")
        parts.append(text)
    if len(parts) == 2:
        return _("%(weekly)s; %(monthly)s") % {"weekly": parts[0], "monthly": parts[1]}
    return parts[0] if parts else ""
