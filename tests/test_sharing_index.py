"""The grant ids that PostgreSQL keeps on each case row (migration 0012), which a partner's
name search reads through a GIN index: they must equal share_grant_cases after every kind
of write, including two grants naming one case at once, or a partner would see too much or
too little. SQLite probes share_grant_cases directly and has no such column. Fictional data."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, insert, select, text, update

from portal.models import GrantCase, ShareGrant
from portal.services import sharing

from .case_helpers import actor_of
from .conftest import ON_POSTGRES
from .sharing_helpers import consented_case, make_grant, shared

pytestmark = [pytest.mark.security,
              pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL column and triggers")]


def on_cases(db) -> dict[int, list[int]]:
    """{case id: grant ids} as the triggers keep them (cases with none left out)."""
    return {case_id: list(ids) for case_id, ids in db.session.execute(text(
        "SELECT id, share_grant_ids FROM cases WHERE share_grant_ids <> '{}'"))}


def in_table(db) -> dict[int, list[int]]:
    """{case id: grant ids} from share_grant_cases, the source of truth."""
    rows = db.session.execute(select(GrantCase.case_id, GrantCase.grant_id)
                              .order_by(GrantCase.case_id, GrantCase.grant_id))
    out: dict[int, list[int]] = {}
    for case_id, grant_id in rows:
        out.setdefault(case_id, []).append(grant_id)
    return out


def test_the_grant_ids_on_cases_follow_every_write_to_the_grants_cases(db, users, orgs):
    staff = users["staff"]
    one, two, three = (consented_case(staff, shared()) for _ in range(3))
    first = make_grant(orgs["a"], "summary", [one, two])  # ORM insert
    second = make_grant(orgs["b"], "detailed", [two, three])
    db.session.commit()
    assert on_cases(db) == in_table(db) == {one.id: [first.id], two.id: [first.id, second.id],
                                            three.id: [second.id]}

    db.session.execute(delete(GrantCase).where(GrantCase.grant_id == first.id,
                                               GrantCase.case_id == two.id))
    db.session.execute(update(GrantCase).where(GrantCase.grant_id == second.id,
                                               GrantCase.case_id == three.id)
                       .values(case_id=one.id))  # a row moved to another case
    db.session.commit()
    assert on_cases(db) == in_table(db) == {one.id: [first.id, second.id],
                                            two.id: [second.id]}

    db.session.execute(insert(GrantCase), [{"grant_id": first.id, "case_id": c.id}
                                           for c in (two, three)])  # a bulk insert
    db.session.commit()
    assert on_cases(db) == in_table(db)
    assert on_cases(db)[three.id] == [first.id]

    sharing.revoke_grant(first, actor=actor_of(staff))  # revoking keeps the rows: the
    db.session.commit()                                  # gate reads active grants only
    assert on_cases(db) == in_table(db)

    db.session.delete(db.session.get(ShareGrant, second.id))  # cascade to its rows
    db.session.commit()
    assert on_cases(db) == in_table(db) == {c.id: [first.id] for c in (one, two, three)}

    db.session.execute(text("TRUNCATE share_grant_cases"))
    db.session.commit()
    assert on_cases(db) == in_table(db) == {}


def test_a_rolled_back_grant_leaves_no_ids_behind(db, users, orgs):
    case = consented_case(users["staff"], shared())
    db.session.commit()
    make_grant(orgs["a"], "detailed", [case])
    assert on_cases(db) == {case.id: [case_grant(db, case)]}
    db.session.rollback()
    assert on_cases(db) == in_table(db) == {}


def case_grant(db, case) -> int:
    return db.session.scalar(select(GrantCase.grant_id).where(GrantCase.case_id == case.id))


def test_two_grants_naming_one_case_at_once_both_land(app, db, users, orgs):
    """Two staff members grant the same case in overlapping transactions: the second waits
    for the first to commit, and the row ends with both ids (neither write is lost)."""
    case = consented_case(users["staff"], shared())
    first = make_grant(orgs["a"], "summary")
    second = make_grant(orgs["b"], "summary")
    db.session.commit()
    case_id, ids = case.id, (first.id, second.id)
    engine = db.engine
    done = threading.Event()

    def other_writer():
        with engine.begin() as conn:
            conn.execute(insert(GrantCase).values(grant_id=ids[1], case_id=case_id))
        done.set()

    with engine.connect() as conn:
        with conn.begin():
            conn.execute(insert(GrantCase).values(grant_id=ids[0], case_id=case_id))
            writer = threading.Thread(target=other_writer)
            writer.start()
            time.sleep(0.5)
            assert not done.is_set()  # waiting for this transaction's lock on the case
        writer.join(10)
    assert done.is_set()
    db.session.rollback()
    assert on_cases(db) == in_table(db) == {case_id: sorted(ids)}


def test_a_partner_search_finds_what_the_active_grants_name_and_nothing_else(
        client, db, users, orgs, login):
    """Through the column, as the list's name search reads it: revoked and expired grants'
    ids stay on the row, and must not count."""
    staff = users["staff"]
    named = dict(first_name_lat="Zayd", family_name_lat="Qarawi", first_name_ar="زيد",
                 family_name_ar="القراوي")
    active, revoked, expired, other = (consented_case(staff, shared(), **named)
                                       for _ in range(4))
    make_grant(orgs["a"], "summary", [active])
    make_grant(orgs["a"], "summary", [revoked], revoked=True)
    make_grant(orgs["a"], "summary", [expired], days=-1)
    make_grant(orgs["b"], "summary", [other])
    db.session.commit()
    login(users["viewer_a"])
    for q in ("Zayd Qarawi", "زيد القراوي"):
        found = client.get("/api/cases", query_string={"q": q}).get_json()
        assert [c["uid"] for c in found["cases"]] == [active.uid], q
