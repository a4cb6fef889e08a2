"""An in-process cache of the small bilingual reference tables (governorates, districts,
perpetrator parties, facilities), so that lists and exports of 250,000 cases do not query
them row by row. Rows are never renumbered; a miss (a facility added in another worker)
reloads the cache."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from .extensions import db
from .models import District, Facility, Governorate, PerpetratorParty
from .search.normalise import arabic_key, latin_tokens


@dataclass
class _Cache:
    governorates: dict[int, dict] = field(default_factory=dict)
    districts: dict[int, dict] = field(default_factory=dict)
    perpetrators: dict[int, dict] = field(default_factory=dict)
    facilities: dict[int, dict] = field(default_factory=dict)
    facility_max_id: int = 0


def _load() -> _Cache:
    cache = _Cache()
    for g in db.session.scalars(select(Governorate).order_by(Governorate.id)):
        cache.governorates[g.id] = {"id": g.id, "code": g.code, "name_ar": g.name_ar,
                                    "name_en": g.name_en}
    for d in db.session.scalars(select(District).order_by(District.id)):
        cache.districts[d.id] = {"id": d.id, "code": d.code, "name_ar": d.name_ar,
                                 "name_en": d.name_en, "governorate_id": d.governorate_id}
    for p in db.session.scalars(select(PerpetratorParty).order_by(PerpetratorParty.id)):
        cache.perpetrators[p.id] = {"id": p.id, "code": p.code, "name_ar": p.name_ar,
                                    "name_en": p.name_en}
    for f in db.session.scalars(select(Facility).order_by(Facility.id)):
        cache.facilities[f.id] = {"id": f.id, "name_ar": f.name_ar, "name_en": f.name_en,
                                  "kind": f.kind, "authority_id": f.authority_id,
                                  "governorate_id": f.governorate_id, "active": f.active}
    cache.facility_max_id = max(cache.facilities, default=0)
    return cache


def cache() -> _Cache:
    ext = current_app.extensions
    if "portal_refdata" not in ext:
        ext["portal_refdata"] = _load()
    return ext["portal_refdata"]


def invalidate() -> None:
    current_app.extensions.pop("portal_refdata", None)


def _get(table: str, row_id: int | None) -> dict | None:
    if row_id is None:
        return None
    rows = getattr(cache(), table)
    if row_id not in rows:
        invalidate()
        rows = getattr(cache(), table)
    return rows.get(row_id)


def governorate(row_id: int | None) -> dict | None:
    row = _get("governorates", row_id)
    return row and {"code": row["code"], "name_ar": row["name_ar"], "name_en": row["name_en"]}


def district(row_id: int | None) -> dict | None:
    row = _get("districts", row_id)
    return row and {"code": row["code"], "name_ar": row["name_ar"], "name_en": row["name_en"]}


def perpetrator(row_id: int | None) -> dict | None:
    row = _get("perpetrators", row_id)
    return row and {"code": row["code"], "name_ar": row["name_ar"], "name_en": row["name_en"]}


def facility(row_id: int | None) -> dict | None:
    row = _get("facilities", row_id)
    return row and {"id": row["id"], "name_ar": row["name_ar"], "name_en": row["name_en"]}


def all_rows(table: str) -> list[dict]:
    """Every row of a reference table; facilities are re-read when another worker added one."""
    if table == "facilities":
        newest = db.session.scalar(select(func.max(Facility.id))) or 0
        if newest != cache().facility_max_id:
            invalidate()
    return list(getattr(cache(), table).values())


def label(row: dict | None, language: str) -> str:
    if not row:
        return ""
    return (row["name_ar"] if language == "ar" else row["name_en"]) or row["name_en"]


def _match_key(text: str) -> str:
    return arabic_key(text) + "|" + " ".join(latin_tokens(text))


def find(table: str, text: str, *, governorate_id: int | None = None) -> dict | None:
    """A reference row by code, id, English or Arabic name (for imports); None if unknown."""
    text = (text or "").strip()
    if not text:
        return None
    wanted = _match_key(text)
    for row in all_rows(table):
        if governorate_id and row.get("governorate_id") not in (None, governorate_id):
            continue
        if text.upper() == str(row.get("code", "")).upper() or text == str(row["id"]):
            return row
        if wanted in (_match_key(row["name_en"]), _match_key(row["name_ar"])):
            return row
    return None
