"""Backups: encrypted, verified before anything is written, restored row for row (H1)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from portal import create_app
from portal.backup import BackupError, create_backup, restore_backup, verify_backup
from portal.extensions import db as _db
from portal.services import audit

from . import factories

pytestmark = pytest.mark.security


def canonical_dump(db) -> dict[str, str]:
    """SHA-256 per table of its rows in primary-key order."""
    from portal.backup import NOT_BACKED_UP, _line
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_BACKED_UP:  # the register epoch only ever moves forward
            continue
        digest = hashlib.sha256()
        for row in db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings():
            digest.update(_line(row))
        out[table.name] = digest.hexdigest()
    db.session.rollback()
    return out


def _seed(db, orgs):
    for i in range(40):
        factories.make_user(f"person{i}@a.test", orgs["a"], "partner_viewer",
                            name=f"سلمى مثال {i}", password=None)
        audit.record("seed", audit.Actor(i, orgs["a"].id), object_type="user", object_id=i,
                     detail={"n": i})
    db.session.commit()


def test_h1_backup_restore_roundtrip(app, db, users, orgs, tmp_path, other_database_uri,
                                     app_config, security_report):
    _seed(db, orgs)
    before = canonical_dump(db)
    org_id, top_user_id = orgs["a"].id, max(u.id for u in users.values())
    path = tmp_path / "portal.backup"
    manifest = create_backup(path)
    assert b"person1@a.test" not in path.read_bytes()  # encrypted
    assert "سلمى".encode() not in path.read_bytes()
    assert verify_backup(path)["tables"] == manifest["tables"]

    target = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": other_database_uri})
    with target.app_context():
        restore_backup(path)
        _db.session.commit()
        assert canonical_dump(_db) == before
        assert audit.verify_chain(tuple(manifest["audit_head"])).ok
        # Ids keep counting after the restored ones (PostgreSQL sequences).
        from portal.models import Organization
        new = factories.make_user("after@a.test", _db.session.get(Organization, org_id),
                                  "partner_viewer")
        _db.session.commit()
        assert new.id > top_user_id
        _db.engine.dispose()
    rows = sum(t["rows"] for t in manifest["tables"].values())
    security_report["H1"] = {"tables": len(manifest["tables"]), "rows": rows, "mismatches": 0,
                             "backup_bytes": path.stat().st_size}


def test_h1_damaged_or_foreign_backup_is_refused_before_writing(app, db, users, orgs, tmp_path,
                                                                other_database_uri, app_config,
                                                                runner):
    _seed(db, orgs)
    path = tmp_path / "portal.backup"
    create_backup(path)
    damaged = tmp_path / "damaged.backup"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(path.read_bytes()[:-40])
    for bad in (damaged, truncated):
        with pytest.raises(BackupError):
            verify_backup(bad)
        result = runner.invoke(args=["backup", "verify", str(bad)])
        assert result.exit_code != 0 and "NOT usable" in result.output

    target = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": other_database_uri})
    with target.app_context():
        before = canonical_dump(_db)
        with pytest.raises(BackupError):
            restore_backup(damaged)
        _db.session.rollback()
        assert canonical_dump(_db) == before  # nothing was written
        _db.engine.dispose()
    # Without the key nothing is made up; another key cannot open it.
    app.config["BACKUP_KEY_FILE"] = str(tmp_path / "other.key")
    with pytest.raises(BackupError, match="no backup key"):
        verify_backup(path)
    (tmp_path / "other.key").write_text("11" * 32)
    with pytest.raises(BackupError, match="key is wrong"):
        verify_backup(path)


def test_restore_refuses_a_database_in_use(app, db, users, tmp_path, runner):
    path = tmp_path / "portal.backup"
    assert runner.invoke(args=["backup", "create", str(path)]).exit_code == 0
    result = runner.invoke(args=["backup", "restore", str(path), "--yes"])
    assert result.exit_code != 0 and "empty database" in result.output


def test_backup_is_one_snapshot_while_others_write(app, db, users, tmp_path, monkeypatch):
    """Rows committed by another request while the dump runs are not half in the backup:
    the audit chain of the backup verifies on its own."""
    import portal.backup as backup_module
    real_line, written = backup_module._line, []

    def line_and_write(row):
        if not written:  # during the dump, another connection appends to the audit log
            written.append(True)
            from sqlalchemy.orm import Session
            with Session(db.engine) as other:
                from portal.models import AuditEvent, AuditHead
                head = other.get(AuditHead, 1)
                other.add(AuditEvent(seq=head.last_seq + 1, action="late", prev_hash="0" * 64,
                                     row_hmac="0" * 64))
                head.last_seq += 1
                other.commit()
        return real_line(row)
    monkeypatch.setattr(backup_module, "_line", line_and_write)
    manifest = create_backup(tmp_path / "b.backup")
    assert written
    assert manifest["audit_head"][0] == manifest["tables"]["audit_events"]["rows"]
