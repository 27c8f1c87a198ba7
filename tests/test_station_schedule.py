"""Reception schedules of liaison stations: the next dates and the schedule in words."""

import datetime as dt

from django.utils import translation

from deputies.models import Station
from deputies.schedule import next_reception_dates, schedule_text


def station(weekdays="", monthdays=""):
    # Unsaved: the schedule needs only the two fields.
    return Station(reception_weekdays=weekdays, reception_monthdays=monthdays)


D = dt.date


def test_every_thursday_gives_the_next_three_thursdays():
    # 2025-01-01 is a Wednesday.
    assert next_reception_dates(station("4"), today=D(2025, 1, 1)) == [D(2025, 1, 2), D(2025, 1, 9), D(2025, 1, 16)]


def test_a_reception_day_today_counts_as_the_next():
    assert next_reception_dates(station("4"), today=D(2025, 1, 2), count=1) == [D(2025, 1, 2)]


def test_several_weekdays_interleave():
    # Mondays and Wednesdays from Tuesday 2025-01-07.
    assert next_reception_dates(station("1,3"), today=D(2025, 1, 7), count=4) == [
        D(2025, 1, 8), D(2025, 1, 13), D(2025, 1, 15), D(2025, 1, 20)]


def test_talks_on_the_fours_cross_the_month_end():
    assert next_reception_dates(station(monthdays="4,14,24"), today=D(2025, 1, 25)) == [
        D(2025, 2, 4), D(2025, 2, 14), D(2025, 2, 24)]


def test_the_31st_is_skipped_in_months_without_it():
    assert next_reception_dates(station(monthdays="31"), today=D(2025, 4, 1)) == [
        D(2025, 5, 31), D(2025, 7, 31), D(2025, 8, 31)]


def test_the_30th_is_skipped_in_february_and_the_year_turns():
    assert next_reception_dates(station(monthdays="15,30"), today=D(2025, 1, 31), count=4) == [
        D(2025, 2, 15), D(2025, 3, 15), D(2025, 3, 30), D(2025, 4, 15)]


def test_the_29th_of_february_exists_only_in_leap_years():
    assert next_reception_dates(station(monthdays="29"), today=D(2024, 2, 1), count=2) == [D(2024, 2, 29), D(2024, 3, 29)]
    assert next_reception_dates(station(monthdays="29"), today=D(2025, 2, 1), count=2) == [D(2025, 3, 29), D(2025, 4, 29)]


def test_weekdays_and_month_days_combine_without_repeating_a_day():
    # Thursdays and the 1st/15th from Wednesday 2025-01-01; 2025-05-15 is both a Thursday and the 15th.
    assert next_reception_dates(station("4", "1,15"), today=D(2025, 1, 1), count=5) == [
        D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 9), D(2025, 1, 15), D(2025, 1, 16)]
    assert next_reception_dates(station("4", "15"), today=D(2025, 5, 14), count=2) == [D(2025, 5, 15), D(2025, 5, 22)]


def test_empty_schedule_has_no_dates_and_no_words():
    assert next_reception_dates(station(), today=D(2025, 1, 1)) == []
    assert schedule_text(station()) == ""


def test_garbage_in_the_fields_is_ignored():
    s = station("4, 9, x", "0,32,abc,14")
    assert next_reception_dates(s, today=D(2025, 1, 1), count=2) == [D(2025, 1, 2), D(2025, 1, 9)]
    assert next_reception_dates(station(monthdays="14"), today=D(2025, 1, 1), count=1) == [D(2025, 1, 14)]


def test_schedule_in_words():
    with translation.override("en"):
        assert schedule_text(station("4")) == "weekly on Thursdays"
        assert schedule_text(station("1,3")) == "weekly on Mondays, Wednesdays"
        assert schedule_text(station(monthdays="24,4,14")) == (
            "monthly on day 4, day 14, day 24 (talks on the days ending in 4)")
        assert schedule_text(station("4", "1,15")) == "weekly on Thursdays; monthly on day 1, day 15"


def test_schedule_in_chinese():
    with translation.override("zh-hans"):
        assert schedule_text(station("4")) == "每周四"
        assert schedule_text(station("1,3")) == "每周一、周三"
        assert schedule_text(station(monthdays="4,14,24")) == "每月4日、14日、24日（逢四说事）"
        assert schedule_text(station("4", "1,15")) == "每周四；每月1日、15日"
