"""Agenda items and materials (links, or files kept under instance/ with random names)."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event as sa_event

from ...extensions import db
from ...models import AgendaItem, Event, Material
from .. import audit
from ..audit import Actor
from .errors import EventError
from .lifecycle import check_link

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# The allow-list: extension → (content type served, check of the first bytes).
ZIP = b"PK\x03\x04"
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             (ZIP,)),
    "odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    "odp": ("application/vnd.oasis.opendocument.presentation", (ZIP,)),
    "txt": ("text/plain; charset=utf-8", None),  # checked as UTF-8 text instead
}


def max_upload_bytes() -> int:
    return int(current_app.config.get("EVENT_MATERIAL_MAX_BYTES", DEFAULT_MAX_BYTES))


def material_dir() -> Path:
    configured = current_app.config.get("EVENT_MATERIAL_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "event-materials"


def material_path(material: Material) -> Path:
    """Where a file material lives (its name is ours, never the uploader's)."""
    return material_dir() / material.stored_name


def add_agenda_item(event: Event, starts_at: datetime, title: str, speaker: str, notes: str,
                    *, actor: Actor) -> AgendaItem:
    """Add a point to the agenda; it must fall within the event."""
    if not event.starts_at <= starts_at <= event.ends_at:
        raise EventError("agenda_outside", "time")
    item = AgendaItem(event_id=event.id, starts_at=starts_at, title=title.strip(),
                      speaker=speaker.strip(), notes=notes.strip())
    event.agenda.append(item)
    db.session.flush()
    audit.record("event_agenda_added", actor, object_type="event", object_id=event.id,
                 detail={"item": item.id})
    return item


def delete_agenda_item(item: AgendaItem, *, actor: Actor) -> None:
    """Remove a point from the agenda."""
    event_id, item_id = item.event_id, item.id
    db.session.delete(item)
    db.session.flush()
    audit.record("event_agenda_deleted", actor, object_type="event", object_id=event_id,
                 detail={"item": item_id})


def add_link(event: Event, title: str, url: str, *, actor: Actor) -> Material:
    """Attach a link (http or https only)."""
    material = Material(event_id=event.id, title=title.strip(), url=check_link(url, "url"),
                        added_by_id=actor.user_id)
    db.session.add(material)
    db.session.flush()
    audit.record("event_material_added", actor, object_type="event", object_id=event.id,
                 detail={"material": material.id, "kind": "link"})
    return material


def _extension(filename: str) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[1] if "." in name else ""


def _content_ok(ext: str, head: bytes, data: bytes) -> bool:
    magic = ALLOWED_TYPES[ext][1]
    if magic is not None:
        return any(head.startswith(m) for m in magic)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def add_file(event: Event, title: str, filename: str, stream: BinaryIO, *,
             actor: Actor) -> Material:
    """Store an uploaded file of an allowed type and size under instance/."""
    ext = _extension(filename)
    if ext not in ALLOWED_TYPES:
        raise EventError("file_type", "file")
    limit = max_upload_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise EventError("file_too_large", "file", limit=limit)
    if not data:
        raise EventError("file_empty", "file")
    if not _content_ok(ext, data[:16], data):
        raise EventError("file_content", "file")
    stored = secrets.token_hex(16)
    folder = material_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    # If the transaction does not commit, the file goes too (see _discard_after_rollback).
    db.session.info.setdefault("event_files_written", []).append(str(path))
    material = Material(event_id=event.id, title=title.strip(), stored_name=stored,
                        extension=ext, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        added_by_id=actor.user_id)
    db.session.add(material)
    db.session.flush()
    audit.record("event_material_added", actor, object_type="event", object_id=event.id,
                 detail={"material": material.id, "kind": "file", "bytes": len(data)})
    return material


def delete_material(material: Material, *, actor: Actor) -> None:
    """Remove a material; its file is deleted once the removal has committed."""
    if material.is_file:
        db.session.info.setdefault("event_files_deleted", []).append(
            str(material_path(material)))
    event_id, material_id = material.event_id, material.id
    db.session.delete(material)
    db.session.flush()
    audit.record("event_material_deleted", actor, object_type="event", object_id=event_id,
                 detail={"material": material_id})


def _unlink(paths) -> None:
    for path in paths or ():
        Path(path).unlink(missing_ok=True)


@sa_event.listens_for(FlaskSession, "after_commit")
def _delete_after_commit(session) -> None:
    session.info.pop("event_files_written", None)
    _unlink(session.info.pop("event_files_deleted", None))


@sa_event.listens_for(FlaskSession, "after_rollback")
def _discard_after_rollback(session) -> None:
    session.info.pop("event_files_deleted", None)
    _unlink(session.info.pop("event_files_written", None))
