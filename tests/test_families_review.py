"""Families (issue 17): what a review found, each pinned by a test. Amounts, audit of every
read, honest status codes on refused actions, and the layout in Arabic and on a phone."""

from __future__ import annotations

import pytest
from babel.numbers import get_currency_precision
from sqlalchemy import select

from portal.models import CURRENCIES, SupportItem
from portal.services.families.support import MINOR_DIGITS, format_amount, parse_amount

from .conftest import post_form, table_counts
from .family_helpers import add_member, give_consent, make_family


@pytest.fixture
def family(db, users):
    staff = users["staff"]
    family = make_family(staff)
    add_member(family, staff)
    give_consent(family, staff)
    db.session.commit()
    return family


# --- amounts ----------------------------------------------------------------------------
def _parse(text, currency):
    errors: list = []
    return parse_amount(text, currency, errors), errors


def test_minor_units_agree_with_cldr_which_the_reports_use():
    # The reports format sums with Babel's precision: the same minor units both ways, or a
    # Syrian-pound total would come out a hundred times too large.
    assert {c: MINOR_DIGITS[c] for c in CURRENCIES} == {
        c: get_currency_precision(c) for c in CURRENCIES}


@pytest.mark.parametrize("text, currency, minor", [
    ("12.50", "USD", 1250), ("12.5", "EUR", 1250), ("150", "USD", 15000),
    ("1,250", "USD", 125000), ("1,250.75", "USD", 125075), ("1500000", "SYP", 1500000),
    ("1,500,000", "LBP", 1500000), ("1500000.00", "SYP", 1500000), ("12.345", "JOD", 12345),
    ("١٢٫٥٠", "USD", 1250), ("١٬٢٥٠", "TRY", 125000),
])
def test_amounts_in_minor_units(text, currency, minor):
    assert _parse(text, currency) == (minor, [])


@pytest.mark.parametrize("text, currency", [
    ("12,50", "USD"),  # a decimal comma: refused, never read as 1250.00
    ("1,25", "USD"), ("1,2500", "USD"), ("1e3", "USD"), ("0x10", "USD"), ("12.5.0", "USD"),
    ("-5", "USD"), ("0", "USD"), ("0.00", "USD"), ("1500.50", "SYP"), ("12.3456", "JOD"),
    ("12.345", "USD"), ("NaN", "USD"), ("Infinity", "USD"), ("9" * 40, "USD"), ("²", "USD"),
])
def test_bad_amounts_are_refused_with_the_field_named(text, currency):
    minor, errors = _parse(text, currency)
    assert minor is None and errors and errors[0][0] == "amount"


def test_amounts_format_back_in_their_currency():
    assert format_amount(1500000, "SYP") == "1,500,000"
    assert format_amount(12345, "JOD") == "12.345"
    assert format_amount(1250, "USD") == "12.50"


def test_decimal_comma_on_the_form_writes_nothing(db, users, orgs, family, client, login):
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, f"/families/{family.uid}/support/new", {
        "category": "financial", "form": "cash", "amount": "12,50", "currency": "USD",
        "provider_org_id": str(orgs["office"].id), "description": "Rent"})
    assert response.status_code == 422
    assert "Enter an amount such as 150 or 150.50." in response.get_data(as_text=True)
    assert table_counts(db) == before
    assert db.session.scalar(select(SupportItem)) is None
