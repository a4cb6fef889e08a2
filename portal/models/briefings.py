"""Briefing packs: one generated PDF for one recipient organisation, language and selection."""

from __future__ import annotations

import enum
import json
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .organizations import Organization
from .users import User

# Crockford's base32 without I, L, O, U: unambiguous when read off a printed page.
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_document_id() -> str:
    """An opaque, random document id such as "K7Q3-9XW2-M4TD-8HJN" (80 bits)."""
    raw = "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_document_id(text: str) -> str:
    """What a person typed from a printed page, as a document id (case, spaces, O/0, I/L/1)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != 16 or any(ch not in _ID_ALPHABET for ch in cleaned):
        return ""
    return "-".join(cleaned[i:i + 4] for i in range(0, 16, 4))


class PackStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    expired = "expired"  # the file was removed; the record stays for verification


ACTIVE_STATUSES = (PackStatus.queued.value, PackStatus.running.value)


class BriefingPack(db.Model):
    __tablename__ = "briefing_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(19), unique=True, default=new_document_id)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    # {"mode": "all" | "filter" | "references", "filter_id": int, "references": [str]}
    selection_json: Mapped[str] = mapped_column(Text, default="{}")
    sections_json: Mapped[str] = mapped_column(Text, default="[]")
    covering_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=PackStatus.queued.value, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    error: Mapped[str] = mapped_column(String(20), default="")  # a code; see RENDER_ERRORS
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64), default="")  # SHA-256 of the PDF
    # SHA-256 over the (case, tier) pairs the pack was built from: a download is refused once
    # what the recipient may see has changed (SECURITY.md A7).
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(100), default="")  # inside PACK_DIR
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    created_by: Mapped[User | None] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def selection(self) -> dict:
        return json.loads(self.selection_json or "{}")

    @selection.setter
    def selection(self, value: dict) -> None:
        self.selection_json = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def sections(self) -> list[str]:
        return json.loads(self.sections_json or "[]")

    @sections.setter
    def sections(self, value: list[str]) -> None:
        self.sections_json = json.dumps(list(value))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def download_name(self) -> str:
        return f"briefing-{self.document_id}.pdf"

    @classmethod
    def visible_to(cls, user: User):
        """Packs a user may see: the office sees all; a partner those prepared for its org."""
        stmt = select(cls).order_by(cls.created_at.desc(), cls.id.desc())
        if user.is_office:
            return stmt
        return stmt.where(cls.organization_id == user.organization_id)

    def __repr__(self) -> str:
        return f"<BriefingPack {self.id}>"
