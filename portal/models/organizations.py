"""Organisations: the office and its partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # OrgKind
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name(self, locale: str) -> str:
        """The organisation's name in `locale`, falling back to the other language."""
        return (self.name_ar if locale == "ar" else self.name_en) or self.name_en or self.name_ar

    @property
    def is_office(self) -> bool:
        return self.kind == "office"

    @classmethod
    def ordered(cls):
        return select(cls).order_by(cls.kind != "office", cls.name_en)

    def __repr__(self) -> str:
        return f"<Organization {self.id}>"
