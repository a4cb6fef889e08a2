"""The case register through HTTP: creating with the duplicate warning, form errors,
concurrent edits (H5), soft delete and restore, merges, encryption at rest (H6), audit
entries and what partners (without shares) can and cannot reach."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from portal.models import AuditEvent, Case, NotDuplicate
from portal.services.cases.duplicates import duplicates_of

from .case_helpers import add_source, make_case
from .conftest import ON_POSTGRES, csrf_from, post_form

NEW = {"first_name_ar": "سامر", "father_name_ar": "خالد", "family_name_ar": "الحداد",
       "first_name_lat": "Samer", "father_name_lat": "Khaled", "family_name_lat": "Haddad",
       "sex": "male", "birth_date": "1990-03", "status": "forcibly_disappeared",
       "governorate_id": "3", "district_id": "0", "arrest_date": "2013-06",
       "arrest_perpetrator": "1", "arrest_facility": "0"}


def count_cases(db):
    return db.session.scalar(select(func.count(Case.id)))


def actions(db):
    return [a for (a,) in db.session.execute(select(AuditEvent.action).order_by(AuditEvent.seq))]


def test_staff_can_create_a_case_with_its_arrest(client, db, users, login):
    login(users["staff"])
    r = post_form(client, "/cases/new", NEW)
    assert r.status_code == 302
    case = db.session.scalar(select(Case))
    assert case.reference.startswith("DO-") and case.arrest_date == "2013-06"
    assert [e.kind for e in case.timeline] == ["arrest"]
    assert "case_created" in actions(db)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "June 2013" in page and "2013-06-01" not in page


def test_staff_sees_the_duplicate_warning_before_saving(client, db, users, login):
    make_case(users["staff"], birth_date="1985")
    db.session.commit()
    login(users["staff"])
    variant = {**NEW, "first_name_ar": "مُحَمَّد", "father_name_ar": "احمد",
               "family_name_ar": "حلبي", "first_name_lat": "", "father_name_lat": "",
               "family_name_lat": "", "birth_date": "1985"}
    r = post_form(client, "/cases/new", variant)
    assert r.status_code == 422
    assert "may already be in the register" in r.get_data(as_text=True)
    assert count_cases(db) == 1
    r = post_form(client, "/cases/new", {**variant, "confirmed": "yes"})
    assert r.status_code == 302 and count_cases(db) == 2


@pytest.mark.parametrize("field,value,message", [
    ("birth_date", "2015", "after the arrest"), ("arrest_date", "2099", "in the future"),
    ("arrest_date", "2014/2013", "ends before it starts"), ("birth_date", "1990-02-30", "does not exist"),
    ("first_name_lat", "x" * 101, "Too long"), ("status", "vanished", "Not a valid choice")])
def test_staff_cannot_save_impossible_input(client, db, users, login, field, value, message):
    login(users["staff"])
    r = post_form(client, "/cases/new", {**NEW, field: value})
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert count_cases(db) == 0


@pytest.mark.security
def test_h5_second_concurrent_edit_is_refused_with_a_diff(client, new_client, db, users, login):
    """H5: two staff edit the same case; the second save gets a conflict page, nothing lost."""
    case = make_case(users["staff"])
    db.session.commit()
    a, b = client, new_client()
    login(users["staff"])
    login(users["admin"], the_client=b)
    path = f"/cases/{case.uid}/edit"
    page_a, page_b = a.get(path).get_data(as_text=True), b.get(path).get_data(as_text=True)
    form = {k: v for k, v in NEW.items() if not k.startswith("arrest")}
    form.update(first_name_ar="محمد", father_name_ar="أحمد", family_name_ar="الحلبي",
                first_name_lat="Mohammad", father_name_lat="Ahmad", family_name_lat="al-Halabi",
                version=str(case.version))
    r = a.post(path, data={**form, "public_narrative": "first editor",
                           "csrf_token": csrf_from(page_a)})
    assert r.status_code == 302
    r = b.post(path, data={**form, "public_narrative": "second editor",
                           "csrf_token": csrf_from(page_b)})
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "NOT saved" in body and "second editor" in body and "first editor" in body
    db.session.expire_all()
    assert db.session.get(Case, case.id).public_narrative == "first editor"


@pytest.mark.security
def test_h5_delete_is_soft_and_admin_can_restore(client, new_client, db, users, login):
    case = make_case(users["staff"])
    db.session.commit()
    login(users["staff"])
    detail = client.get(f"/cases/{case.uid}").get_data(as_text=True)
    assert client.post(f"/cases/{case.uid}/delete",
                       data={"csrf_token": csrf_from(detail)}).status_code == 302
    assert client.get(f"/cases/{case.uid}").status_code == 404
    assert case.reference not in client.get("/cases/").get_data(as_text=True)
    assert count_cases(db) == 1  # nothing erased
    admin = new_client()
    login(users["admin"], the_client=admin)
    listing = admin.get("/cases/deleted").get_data(as_text=True)
    assert case.reference in listing
    assert admin.post(f"/cases/{case.uid}/restore",
                      data={"csrf_token": csrf_from(listing)}).status_code == 302
    assert client.get(f"/cases/{case.uid}").status_code == 200
    assert {"case_deleted", "case_restored"} <= set(actions(db))


def test_staff_can_merge_two_cases_keeping_histories_and_sources(client, db, users, login):
    staff = users["staff"]
    keep = make_case(staff, arrest={"date": "2013-06"})
    other = make_case(staff, first_name_ar="مُحمّد", family_name_ar="حلبي", first_name_lat="",
                      father_name_lat="", family_name_lat="", arrest={"date": "2013-07"})
    add_source(keep, staff, relation="mother")
    add_source(other, staff, relation="brother")
    db.session.commit()
    login(staff)
    page = client.get(f"/cases/{keep.uid}/merge?other={other.reference}").get_data(as_text=True)
    r = client.post(f"/cases/{keep.uid}/merge", data={
        "other": other.reference, "confirm": "y", "csrf_token": csrf_from(page)})
    assert r.status_code == 302
    db.session.expire_all()
    keep, other = db.session.get(Case, keep.id), db.session.get(Case, other.id)
    assert len(keep.timeline) == 2 and {s.relation for s in keep.sources} == {"mother", "brother"}
    assert other.deleted_at is not None and other.merged_into_id == keep.id
    assert "cases_merged" in actions(db)


def test_staff_can_mark_a_pair_as_not_duplicates(client, db, users, login):
    a = make_case(users["staff"])
    b = make_case(users["staff"], first_name_lat="Muhammad")
    db.session.commit()
    assert [d.case.id for d in duplicates_of(a)] == [b.id]
    login(users["staff"])
    page = client.get(f"/cases/{a.uid}").get_data(as_text=True)
    assert "Possible duplicates" in page
    client.post(f"/cases/{a.uid}/not-duplicate/{b.uid}", data={"csrf_token": csrf_from(page)})
    assert db.session.scalar(select(func.count()).select_from(NotDuplicate)) == 1
    assert duplicates_of(a) == []


CANARY = "CANARY-7f3a-هاتف +963-000-111"


@pytest.mark.security
def test_h6_contact_details_are_encrypted_at_rest(client, db, users, login, app):
    """H6: the canary contact never appears in the database in clear."""
    case = make_case(users["staff"])
    db.session.commit()
    login(users["staff"])
    r = post_form(client, f"/cases/{case.uid}/sources/new", {
        "kind": "family", "relation": "mother", "informant": "CANARY-informant-اسم",
        "contact": CANARY, "contact_channel": "phone", "reliability": "high",
        "consent_level": "internal", "consent_method": "written"})
    assert r.status_code == 302
    assert CANARY in client.get(f"/cases/{case.uid}").get_data(as_text=True)  # staff see it
    if ON_POSTGRES:
        raw = db.session.execute(text("SELECT contact_enc, informant_enc FROM case_sources")).one()
        blob = b"".join(bytes(v) for v in raw)
    else:
        db.session.commit()
        path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        blob = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                                    if path.with_name(path.name + "-wal").exists() else b"")
    for secret in (CANARY, "CANARY-informant", "CANARY-7f3a"):
        assert secret.encode() not in blob
    from portal import crypto
    stored = db.session.execute(text("SELECT contact_enc FROM case_sources")).scalar_one()
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(stored), key_hex="11" * 32, context=b"contact")


def test_opening_a_case_is_audited_without_names(client, db, users, login):
    case = make_case(users["staff"])
    db.session.commit()
    login(users["staff"])
    client.get(f"/cases/{case.uid}")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sensitive_read")
                               ).one()
    assert event.object_id == case.uid
    assert json.loads(event.detail) == {"case": case.id, "tier": "office"}
    client.get(f"/cases/?q={case.first_name_lat}")
    everything = " ".join(f"{e.detail} {e.object_id}" for e in db.session.scalars(select(AuditEvent)))
    assert "Mohammad" not in everything and "محمد" not in everything


def test_no_case_page_without_its_audit_entry(client, db, users, login, monkeypatch):
    """The case page reads and renders in a read-only transaction and writes its audit entry
    in a short one after it: when that entry cannot be written, the page is not returned."""
    from portal.services import audit
    case = make_case(users["staff"])
    db.session.commit()
    login(users["staff"])
    real = audit.record

    def broken(action, *args, **kwargs):
        if action == "sensitive_read":
            raise RuntimeError("audit store unavailable")
        return real(action, *args, **kwargs)
    monkeypatch.setattr(audit, "record", broken)
    response = client.get(f"/cases/{case.uid}")
    assert response.status_code == 500
    assert case.reference not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sensitive_read")) == 0


@pytest.mark.security
@pytest.mark.parametrize("who", ["manager_a", "viewer_a", "viewer_b"])
def test_partner_cannot_see_unshared_cases(client, db, users, login, who):
    """A3/A4: without a share, partners see no case; any case id answers like a missing one."""
    case = make_case(users["staff"])
    db.session.commit()
    login(users[who])
    listing = client.get("/cases/?q=Mohammad").get_data(as_text=True)
    assert case.reference not in listing and "No case matches" in listing
    missing = client.get("/cases/00000000-0000-4000-8000-000000000000")
    hidden = client.get(f"/cases/{case.uid}")
    assert hidden.status_code == missing.status_code == 404
    # Identical apart from the page's own address (the language switch returns to it) and
    # the CSRF token (signed with a timestamp in seconds: two requests may straddle one).
    token = re.compile(r'name="csrf_token" value="[^"]+"')
    assert (token.sub("", hidden.get_data(as_text=True).replace(case.uid, "X"))
            == token.sub("", missing.get_data(as_text=True).replace(
                "00000000-0000-4000-8000-000000000000", "X")))
    assert client.get(f"/cases/{case.uid}/json").status_code == 404
    export = client.get("/cases/export.csv").get_data(as_text=True)
    assert case.reference not in export
    assert client.get(f"/cases/{case.uid}/edit").status_code == 403
    assert client.get("/cases/new").status_code == 403
    assert client.get("/cases/import").status_code == 403


def test_every_case_endpoint_is_classified(app):
    from portal.access import load_policy
    policy = load_policy()
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("cases.")}
    assert endpoints and endpoints <= set(policy)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("cases."):
            assert set(rule.methods) - {"HEAD", "OPTIONS"} <= policy[rule.endpoint].methods
