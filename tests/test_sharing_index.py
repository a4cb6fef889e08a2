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
from portal.services.sharing import grants as sharing

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
    assert on_cases(db) == in_table(db)
    db.session.execute(update(GrantCase).values(case_id=GrantCase.case_id))  # rewritten as it
    db.session.commit()                          # was: the old ids go before the new come
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

    db.session.delete(db.session.get(ShareGrant, second.id))  # the ORM's cascade
    db.session.commit()
    assert on_cases(db) == in_table(db) == {c.id: [first.id] for c in (one, two, three)}

    third = make_grant(orgs["a"], "summary", [one])
    db.session.commit()
    db.session.execute(text("DELETE FROM share_grants WHERE id = :id"), {"id": third.id})
    db.session.commit()  # the database's ON DELETE CASCADE
    assert on_cases(db) == in_table(db) == {c.id: [first.id] for c in (one, two, three)}

    db.session.execute(text("TRUNCATE share_grant_cases"))
    db.session.commit()
    assert on_cases(db) == in_table(db) == {}


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

    # Each transaction would first wait for the other's register_epoch advance (migration
    # 0010) and so never overlap at the case row: mark it done in both.
    no_epoch = text("SELECT set_config('portal.epoch_bumped', '1', true)")

    def other_writer():
        with engine.begin() as conn:
            conn.execute(no_epoch)
            conn.execute(insert(GrantCase).values(grant_id=ids[1], case_id=case_id))
        done.set()

    with engine.connect() as conn:
        with conn.begin():
            conn.execute(no_epoch)
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


def test_an_id_left_on_a_row_by_a_writer_bypassing_the_triggers_shows_nothing(
        client, db, users, orgs, login, runner):
    """The ids on the rows only narrow a search's candidates: the page is loaded through
    share_grant_cases, so a stale id (a restore with triggers disabled, say) does not show the
    case; `cases reindex` sets the ids again."""
    staff = users["staff"]
    named = dict(first_name_lat="Zayd", family_name_lat="Qarawi", first_name_ar="زيد",
                 family_name_ar="القراوي")
    kept, dropped = (consented_case(staff, shared(), **named) for _ in range(2))
    make_grant(orgs["a"], "detailed", [kept, dropped])
    db.session.commit()
    db.session.execute(text("ALTER TABLE share_grant_cases DISABLE TRIGGER "
                            "share_grant_ids_2_delete"))
    db.session.execute(delete(GrantCase).where(GrantCase.case_id == dropped.id))
    db.session.execute(text("ALTER TABLE share_grant_cases ENABLE TRIGGER "
                            "share_grant_ids_2_delete"))
    db.session.commit()
    assert on_cases(db) != in_table(db)  # the stale id
    login(users["viewer_a"])
    for q in ("Zayd Qarawi", "زيد القراوي"):
        found = client.get("/api/cases", query_string={"q": q}).get_json()
        assert [c["uid"] for c in found["cases"]] == [kept.uid], q
        page = client.get("/cases/", query_string={"q": q}).get_data(as_text=True)
        assert kept.uid in page and dropped.uid not in page

    result = runner.invoke(args=["cases", "reindex"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert on_cases(db) == in_table(db)
