"""Partial dates are first-class: stored and shown as recorded, never padded."""

import datetime as dt

import pytest

from portal import partial_dates as pd
from portal.services.cases.rules import check_case, check_date, check_entry


@pytest.mark.parametrize("text,stored", [("1987", "1987"), ("1987-6", "1987-06"),
                                         ("2013-06-14", "2013-06-14"), ("14/06/2013", "2013-06-14"),
                                         ("06/2013", "2013-06"), ("١٩٨٧", "1987")])
def test_partial_dates_are_stored_as_recorded(text, stored):
    assert pd.normalise(text) == stored


@pytest.mark.parametrize("text", ["2013-02-30", "13-06", "June 2013", "1850", "2013/06/14x"])
def test_impossible_or_unreadable_dates_are_refused(text):
    with pytest.raises(pd.PartialDateError):
        pd.parse(text)


def test_bounds_cover_the_whole_period():
    assert pd.bounds("2013") == (20130101, 20131231)
    assert pd.bounds("2012-02") == (20120201, 20120229)
    assert pd.bounds("2013-06/2014") == (20130601, 20141231)


@pytest.mark.parametrize("value,language,shown", [
    ("1987", "en", "1987"), ("2013-06", "en", "June 2013"), ("2013-06-14", "en", "14 June 2013"),
    ("2013-06", "ar", "حزيران 2013"), ("2013-06/2013-08", "en", "June 2013 – August 2013")])
def test_partial_dates_are_shown_without_a_false_day(value, language, shown):
    assert pd.format_partial(value, language) == shown


def test_future_and_reversed_dates_are_refused():
    today = dt.date(2026, 1, 1)
    assert check_date("2030", today=today)[1]
    assert check_date("2014/2013", allow_range=True, today=today)[1]
    assert not check_date("2025-12", today=today)[1]


def test_birth_after_arrest_and_release_before_arrest_are_refused():
    case = {"first_name_ar": "سامر", "family_name_ar": "حداد", "status": "missing",
            "birth_date": "2015", "arrest_date": "2013-06"}
    assert ("birth_date",) == tuple(f for f, _m in check_case(case) if f == "birth_date")
    errors = check_entry({"kind": "release", "date": "2012"}, arrest="2013-06")
    assert [f for f, _m in errors] == ["date"]
