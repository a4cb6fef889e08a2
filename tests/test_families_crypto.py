"""Encryption at rest of family data (issue 17): a contact canary written into every
encrypted field is in no byte of the SQLite file (nor its WAL), in no PostgreSQL column, in
no backup (decrypted archive included) and in no log line; the office still reads it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from portal import crypto
from portal.backup import _members, create_backup
from portal.models import IntakeSubmission, Referral
from portal.models.families import ENC_CONTEXTS
from portal.services import families as svc

from .case_helpers import actor_of, make_case
from .conftest import ON_POSTGRES
from .family_helpers import add_member, give_consent, make_family

pytestmark = pytest.mark.security

CANARY = "canary-enc-9b2f-+963-11-555-0199-هاتف-سري"
NEEDLES = (CANARY.encode(), "هاتف-سري".encode(), b"canary-enc-9b2f")


def _fill(db, users, orgs):
    staff = users["staff"]
    actor = actor_of(staff)
    case = make_case(staff)
    family = make_family(staff, label=CANARY, residence_note=CANARY, safety_rules=CANARY)
    svc.link_case(family, case, actor=actor)
    add_member(family, staff, name=CANARY, contact=CANARY, relations={case.id: "wife"})
    give_consent(family, staff, note=CANARY)
    consent = give_consent(family, staff, "referral", organization_id=orgs["a"].id, note=CANARY)
    svc.log_contact(family, {"kind": "visit", "happened_on": "2026-03-01", "note": CANARY},
                    actor=actor)
    need = svc.add_need(family, {"category": "medical", "assessed_on": "2026-03-01",
                                 "detail": CANARY}, actor=actor)
    svc.request_support(family, {"category": "medical", "form": "in_kind",
                                 "provider_org_id": orgs["office"].id, "need_id": need.id,
                                 "description": CANARY}, actor=actor)
    db.session.add(Referral(
        uid=svc.next_reference("RF"), family_id=family.id, need_id=need.id,
        organization_id=orgs["a"].id, consent_id=consent.id, category="medical",
        first_name_enc=svc.enc("family_referrals", "first_name_enc", CANARY),
        summary_enc=svc.enc("family_referrals", "summary_enc", CANARY),
        contact_enc=svc.enc("family_referrals", "contact_enc", CANARY),
        outcome_enc=svc.enc("family_referrals", "outcome_enc", CANARY)))
    db.session.add(IntakeSubmission(
        reference="R-TEST-0001", kind="report_missing", locale="ar",
        payload_enc=svc.enc("family_intake", "payload_enc", json.dumps({"contact": CANARY}, ensure_ascii=False))))
    db.session.commit()
    return family


def _encrypted_columns():
    return sorted(ENC_CONTEXTS)


def test_every_encrypted_column_holds_ciphertext_only(app, db, users, orgs, client, login,
                                                     tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    family = _fill(db, users, orgs)
    filled = 0
    for table, column in _encrypted_columns():
        for (blob,) in db.session.execute(text(f"SELECT {column} FROM {table}")):  # noqa: S608
            if blob is None:
                continue
            blob = bytes(blob)
            filled += 1
            assert not any(n in blob for n in NEEDLES), (table, column)
            # Bound to its column: the ciphertext does not decrypt in another one.
            assert CANARY in crypto.decrypt(blob, context=ENC_CONTEXTS[(table, column)])
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(blob, context=b"family.other")
    assert filled >= len(ENC_CONTEXTS)  # every encrypted column was written
    # No clear text anywhere in a row, whatever the column (PostgreSQL and SQLite alike).
    for table in {t for t, _c in ENC_CONTEXTS} | {"audit_events"}:
        rows = db.session.execute(text(f"SELECT * FROM {table}")).mappings().all()  # noqa: S608
        for row in rows:
            for value in row.values():
                raw = bytes(value) if isinstance(value, (bytes, memoryview)) else \
                    str(value).encode()
                assert not any(n in raw for n in NEEDLES), table
    db.session.rollback()
    # The office reads it back.
    login(users["staff"])
    assert CANARY in client.get(f"/families/{family.uid}").get_data(as_text=True)
    assert not any(CANARY in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite file itself")
def test_no_canary_in_the_sqlite_file(app, db, users, orgs):
    _fill(db, users, orgs)
    path = Path(db.engine.url.database)
    db.session.close()
    db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    seen = b""
    for candidate in (path, Path(str(path) + "-wal")):
        if candidate.exists():
            data = candidate.read_bytes()
            seen += data
            assert not any(n in data for n in NEEDLES), candidate.name
    assert b"al-Halabi" in seen  # the reading works: a clear-text column of the case is there


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's columns")
def test_no_canary_in_postgresql_columns(app, db, users, orgs):
    _fill(db, users, orgs)
    for table, column in _encrypted_columns():
        hits = db.session.execute(text(
            f"SELECT count(*) FROM {table} WHERE position(:needle in {column}) > 0"  # noqa: S608
        ), {"needle": CANARY.encode()}).scalar()
        assert hits == 0, (table, column)
    whole = db.session.execute(text(
        "SELECT count(*) FROM families f WHERE row_to_json(f)::text LIKE :p"),
        {"p": "%canary-enc-9b2f%"}).scalar()
    assert whole == 0


def test_no_canary_in_a_backup(app, db, users, orgs, tmp_path):
    _fill(db, users, orgs)
    path = tmp_path / "families.backup"
    manifest = create_backup(path)
    assert manifest["tables"]["families"]["rows"] == 1
    assert not any(n in path.read_bytes() for n in NEEDLES)
    members = list(_members(path))  # the decrypted archive: rows carry ciphertext only
    assert any(name.startswith("tables/family_members/") for name, _data in members)
    for name, data in members:
        assert not any(n in data for n in NEEDLES), name
