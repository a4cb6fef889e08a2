"""Builders for the families tests (issue 17). All names are fictional."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.services import families as svc

from .case_helpers import actor_of

TODAY = dt.date(2026, 3, 10)  # the `clock` fixture's day


def make_family(user, **fields):
    data = {"label": "Family of the fictional Hadi", "residence_abroad": "lebanon",
            "residence_note": "Fictional street 1", "preferred_language": "ar",
            "preferred_channel": "phone", "safety_rules": "Never leave a message", **fields}
    return svc.create_family(data, actor=actor_of(user))


def give_consent(family, user, kind="contact", **fields):
    data = {"kind": kind, "method": "oral_witnessed", "given_on": "2026-03-01", **fields}
    return svc.record_consent(family, data, actor=actor_of(user))


def add_member(family, user, **fields):
    data = {"name": "Fictional Mariam", "contact": "+961 00 000 000",
            "contact_channel": "phone", "is_main_contact": True, **fields}
    return svc.add_member(family, data, actor=actor_of(user))


@pytest.fixture(name="family")
def family_fixture(db, users):
    """The `family` fixture (import it into a test module): a family of the staff user
    with one main contact and contact consent, committed."""
    staff = users["staff"]
    family = make_family(staff)
    add_member(family, staff)
    give_consent(family, staff)
    db.session.commit()
    return family
