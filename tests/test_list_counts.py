"""The totals shown above a case list are reused between requests (search.query.CountMemo)
under a key the database advances on every write that could change a list (migration 0010).
What a user sees must never lag: a new case, a withdrawn consent, a revoked or expired grant,
a deactivated organisation all change the next total. Fictional data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from portal.models import Case, RegisterEpoch, utcnow
from portal.services.sharing import grants as sharing

from .case_helpers import actor_of, make_case
from .sharing_helpers import consented_case, make_grant, shared


def epoch(db) -> int:
    return db.session.scalar(select(RegisterEpoch.value))


def total(client, query: str = "") -> int:
    answer = client.get(f"/api/cases{query}")
    assert answer.status_code == 200
    return answer.get_json()["total"]


def test_every_kind_of_write_advances_the_epoch(db, users, orgs):
    """Each writing transaction advances it (PostgreSQL: once per transaction; SQLite: per
    row), whatever wrote: the ORM, a bulk insert, a grant, a revocation."""
    def advanced(write) -> bool:
        before = epoch(db)
        write()
        db.session.commit()
        return epoch(db) > before
    case = make_case(users["staff"])
    db.session.commit()

    def bulk_insert():  # a Core insert, as imports and the generator do
        row = {c.name: getattr(case, c.name) for c in Case.__table__.columns
               if c.name not in ("id", "uid", "reference", "external_id")}
        row.update(uid="00000000-0000-4000-8000-0000000000aa", reference="BULK-1")
        db.session.execute(insert(Case.__table__), [row])
    grant = []
    assert advanced(lambda: make_case(users["staff"]))  # ORM insert
    assert advanced(lambda: setattr(case, "status", "released"))  # ORM update
    assert advanced(bulk_insert)
    assert advanced(lambda: grant.append(make_grant(orgs["a"], "summary", [case])))
    assert advanced(lambda: setattr(grant[0], "revoked_at", utcnow()))
    assert not advanced(lambda: None)  # nothing written, nothing advanced


def test_partner_total_follows_consent_revocation_and_expiry(
        client, db, users, orgs, login, clock):
    staff = users["staff"]
    cases = [consented_case(staff, shared()) for _ in range(3)]
    expiring = make_grant(orgs["a"], "summary", cases[:2])
    expiring.expires_at = utcnow() + timedelta(minutes=5)
    revocable = make_grant(orgs["a"], "detailed", cases[2:])
    db.session.commit()
    login(users["viewer_a"])
    assert total(client) == 3
    assert total(client) == 3  # reused: the same answer
    assert "3 cases match." in client.get("/cases/").get_data(as_text=True)

    cases[0].sources[0].consent_level = "internal"  # consent withdrawn
    db.session.commit()
    assert total(client) == 2
    assert "2 cases match." in client.get("/cases/").get_data(as_text=True)

    sharing.revoke_grant(revocable, actor=actor_of(staff))
    db.session.commit()
    assert total(client) == 1

    clock.shift(5 * 60 + 1)  # the last grant expires: no write at all (the session lives on)
    assert total(client) == 0
    assert "0 cases match." in client.get("/cases/").get_data(as_text=True)


def test_staff_total_counts_a_new_case_at_once(client, db, users, login):
    make_case(users["staff"])
    db.session.commit()
    login(users["staff"])
    first = total(client)
    make_case(users["staff"], first_name_lat="Newcomer")
    db.session.commit()
    assert total(client) == first + 1


def test_totals_are_never_shared_between_organisations_or_filters(
        app, db, users, orgs, new_client, login):
    staff = users["staff"]
    mine = [consented_case(staff, shared(), first_name_lat="Karam") for _ in range(3)]
    theirs = consented_case(staff, shared(), first_name_lat="Karam")
    make_grant(orgs["a"], "summary", mine)
    make_grant(orgs["b"], "summary", [theirs])
    db.session.commit()
    a, b = new_client(), new_client()
    login(users["viewer_a"], the_client=a)
    login(users["viewer_b"], the_client=b)
    assert total(a) == 3 and total(b) == 1
    assert total(a, f"?reference={mine[0].reference}") == 1
    assert total(a, f"?reference={theirs.reference}") == 0
    assert total(b, f"?reference={mine[0].reference}") == 0


def test_deactivating_an_organisation_empties_its_total(client, db, users, orgs, login):
    from portal.services.accounts import organizations
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "summary", [case])
    db.session.commit()
    login(users["viewer_a"])
    assert total(client) == 1
    organizations.set_organization_active(orgs["a"], False, actor=actor_of(users["admin"]))
    db.session.commit()
    # The organisation's sessions end with it: signing in again is refused too.
    assert client.get("/api/cases").status_code == 401
    from portal import access
    assert db.session.scalar(select(Case.id).where(
        access.partner_case_filter(users["viewer_a"]))) is None


def test_the_count_an_export_records_follows_changes(client, db, users, orgs, login):
    import json

    from portal.models import AuditEvent
    staff = users["staff"]
    cases = [consented_case(staff, shared()) for _ in range(3)]
    make_grant(orgs["a"], "summary", cases)
    db.session.commit()
    login(users["viewer_a"])

    def exported() -> int:
        answer = client.get("/cases/export.csv")
        assert answer.status_code == 200
        rows = answer.data.decode("utf-8-sig").count("\r\n") - 1
        last = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "cases_export_ended").order_by(AuditEvent.seq.desc())).first()
        assert json.loads(last.detail)["count"] == rows
        return rows
    assert exported() == 3
    assert exported() == 3
    cases[1].sources[0].consent_level = "internal"
    db.session.commit()
    assert exported() == 2
