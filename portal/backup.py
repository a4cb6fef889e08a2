"""Encrypted, verifiable backups of the whole database (SECURITY.md H1, §4.10).

A backup is a logical dump (one JSON line per row, every table, in one read transaction) in a
tar stream, encrypted in 1 MiB chunks with AES-256-GCM (each chunk's nonce carries its index and
a last-chunk flag, so reordering, truncation or one changed byte is detected). A manifest holds
each table's row count and the SHA-256 of its canonical lines, the migration revision and the
audit-chain head. `verify` checks all of it without writing; `restore` verifies first, then
replaces the contents of an empty, migrated database in one transaction. The same format
restores into SQLite or PostgreSQL.

The key (PORTAL_BACKUP_KEY_FILE, default instance/backup.key) is not in the backup, and neither
are the field and audit keys: keep them apart from the backup copies.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import struct
import tarfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import func, insert, select, text

from .extensions import db

MAGIC = b"PPBACKUP1"
CHUNK = 1 << 20
BATCH = 2000
PART_ROWS = 20_000


class BackupError(RuntimeError):
    """The archive is damaged, made with another key, or does not fit this database."""


# --- encryption stream ---------------------------------------------------------------------

class _EncryptingWriter(io.RawIOBase):
    def __init__(self, raw, key: bytes):
        self.raw, self.aead, self.buffer, self.index = raw, AESGCM(key), bytearray(), 0
        self.prefix = os.urandom(7)
        raw.write(MAGIC + self.prefix)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        nonce = self.prefix + struct.pack(">I", self.index) + (b"\x01" if last else b"\x00")
        sealed = self.aead.encrypt(nonce, chunk, MAGIC)
        self.raw.write(struct.pack(">I", len(sealed)) + sealed)
        self.index += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self.buffer), last=True)
            self.raw.flush()
        super().close()


def _decrypted_chunks(path: Path, key: bytes) -> Iterator[bytes]:
    aead = AESGCM(key)
    with path.open("rb") as f:
        head = f.read(len(MAGIC) + 7)
        if head[:len(MAGIC)] != MAGIC:
            raise BackupError("not a portal backup")
        prefix, index = head[len(MAGIC):], 0
        while True:
            size_bytes = f.read(4)
            if len(size_bytes) < 4:
                raise BackupError("the backup is truncated")
            sealed = f.read(struct.unpack(">I", size_bytes)[0])
            for last in (False, True):
                nonce = prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")
                try:
                    chunk = aead.decrypt(nonce, sealed, MAGIC)
                except InvalidTag:
                    continue
                break
            else:
                raise BackupError(f"chunk {index} is damaged or the key is wrong")
            yield chunk
            index += 1
            if last:
                if f.read(1):
                    raise BackupError("data after the last chunk")
                return


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            self.pending = next(self.chunks, None)
            if self.pending is None:
                self.pending = b""
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n], self.pending = self.pending[:n], self.pending[n:]
        return n


def backup_key(*, create: bool = False) -> bytes:
    """The backup key; made on the first `backup create`, never when reading a backup (a new
    key could not open it anyway)."""
    from .config import _read_or_create_key
    path = Path(current_app.config.get("BACKUP_KEY_FILE")
                or Path(current_app.instance_path) / "backup.key")
    if not create and not path.exists():
        raise BackupError(f"no backup key at {path}; copy the key the backup was made with")
    return bytes.fromhex(_read_or_create_key(path, 32))


# --- rows as canonical JSON -----------------------------------------------------------------

def _encode(value):
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$b":
            return base64.b64decode(raw)
    return value


def _line(row) -> bytes:
    return json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode() + b"\n"


# register_epoch is a cache key the database advances itself (migration 0010): a restore
# must move it forward (its own inserts do), never back to a value a running worker has seen.
NOT_BACKED_UP = frozenset({"register_epoch"})


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in NOT_BACKED_UP]


def _revision(conn=None) -> str:
    executor = conn if conn is not None else db.session
    return executor.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


def _snapshot():
    """One read-only connection that sees a single consistent state of every table
    (REPEATABLE READ on PostgreSQL; a deferred read transaction in SQLite's WAL)."""
    conn = db.engine.connect().execution_options(portal_snapshot=True)
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    else:
        conn.begin()
    return conn


# --- create, verify, restore ----------------------------------------------------------------

def create_backup(path: str | Path) -> dict:
    """Write an encrypted backup of every table to `path`; return the manifest."""
    from .models import AuditHead
    path = Path(path)
    conn = _snapshot()
    manifest = {"format": 1, "revision": _revision(conn), "tables": {},
                "created_at": datetime.now().astimezone().isoformat(timespec="seconds")}
    tmp = path.with_suffix(path.suffix + ".partial")
    with conn, tmp.open("wb") as raw, _EncryptingWriter(raw, backup_key(create=True)) as enc, \
            tarfile.open(fileobj=enc, mode="w|gz") as tar:
        for table in _tables():
            digest, count, part, buffer = hashlib.sha256(), 0, 0, io.BytesIO()
            stmt = select(table).order_by(*table.primary_key.columns)
            for row in conn.execute(stmt.execution_options(yield_per=BATCH)).mappings():
                line = _line(row)
                digest.update(line)
                buffer.write(line)
                count += 1
                if count % PART_ROWS == 0:  # parts keep memory flat for big tables
                    _add(tar, f"tables/{table.name}/{part:05d}.jsonl", buffer.getvalue())
                    part, buffer = part + 1, io.BytesIO()
            _add(tar, f"tables/{table.name}/{part:05d}.jsonl", buffer.getvalue())
            manifest["tables"][table.name] = {"rows": count, "sha256": digest.hexdigest()}
        head = conn.execute(select(AuditHead.last_seq, AuditHead.last_hash)).first()
        manifest["audit_head"] = list(head) if head else [0, "0" * 64]
        _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
    tmp.replace(path)
    return manifest


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _members(path: Path) -> Iterator[tuple[str, bytes]]:
    reader = io.BufferedReader(_ChunkReader(_decrypted_chunks(Path(path), backup_key())))
    try:
        with tarfile.open(fileobj=reader, mode="r|gz") as tar:
            for member in tar:
                yield member.name, tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError("the archive inside the backup is damaged") from exc


def verify_backup(path: str | Path) -> dict:
    """Decrypt and check every table against the manifest; write nothing."""
    digests, counts, manifest = {}, {}, None
    for name, data in _members(Path(path)):
        if name == "manifest.json":
            manifest = json.loads(data)
        elif name.startswith("tables/"):
            table = name.split("/")[1]
            digests.setdefault(table, hashlib.sha256()).update(data)
            counts[table] = counts.get(table, 0) + data.count(b"\n")
    found = {t: {"rows": counts[t], "sha256": d.hexdigest()} for t, d in digests.items()}
    if manifest is None:
        raise BackupError("the manifest is missing")
    if found != manifest["tables"]:
        bad = sorted(k for k in set(found) | set(manifest["tables"])
                     if found.get(k) != manifest["tables"].get(k))
        raise BackupError(f"tables do not match the manifest: {', '.join(bad)}")
    return manifest


def restore_backup(path: str | Path) -> dict:
    """Verify, then load the backup into this (migrated, empty) database in one transaction."""
    manifest = verify_backup(path)
    if manifest["revision"] != _revision():
        raise BackupError(f"the backup is of schema {manifest['revision']!r}; "
                          f"migrate this database to it first")
    from .models import AuditEvent, User
    if db.session.scalar(select(func.count()).select_from(AuditEvent)) or \
            db.session.scalar(select(func.count()).select_from(User)):
        raise BackupError("restore needs an empty database (it has accounts or audit entries)")
    tables = {t.name: t for t in _tables()}
    for table in reversed(_tables()):  # reference data loaded by the migrations goes too
        db.session.execute(table.delete())
    for name, data in _members(Path(path)):
        if not name.startswith("tables/"):
            continue
        table = tables[name.split("/")[1]]
        rows = [{k: _decode(v) for k, v in json.loads(line).items()}
                for line in data.splitlines()]
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start:start + BATCH])
    _reset_sequences(tables.values())
    db.session.flush()
    return manifest


def _reset_sequences(tables) -> None:
    """PostgreSQL: move each id sequence past the restored ids."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.c.get("id")
        if column is not None and column.autoincrement and str(column.type) in ("INTEGER",
                                                                                 "BIGINT"):
            # Table names come from the ORM metadata, not from input.
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
