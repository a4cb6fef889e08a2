"""Bilingual reference data: governorates, districts, perpetrator parties, facilities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

FACILITY_KINDS = ("prison", "security_branch", "military_site", "unofficial", "unknown")


class Governorate(db.Model):
    __tablename__ = "governorates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # ISO 3166-2:SY
    name_en: Mapped[str] = mapped_column(String(100))
    name_ar: Mapped[str] = mapped_column(String(100))


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    governorate_id: Mapped[int] = mapped_column(ForeignKey("governorates.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_ar: Mapped[str] = mapped_column(String(100))


class PerpetratorParty(db.Model):
    __tablename__ = "perpetrator_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(150))
    name_ar: Mapped[str] = mapped_column(String(150))


class Facility(db.Model):
    """A place of detention in the gazetteer, with the party that controls(led) it."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # FACILITY_KINDS
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("perpetrator_parties.id"))
    governorate_id: Mapped[int | None] = mapped_column(ForeignKey("governorates.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(Integer)  # None: shipped with the portal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
