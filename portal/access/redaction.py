"""What of a case a reader sees at their tier: redact(), the one serialiser of case data for
every page, export, JSON answer and PDF, the loader options it needs, and the case's
combined consent as staff see it.
"""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from .. import crypto, refdata
from ..models import Case, Source, TimelineEntry
from ..models.case_records import CONSENT_LEVELS
from ..partial_dates import month_of, year_of
from .coverage import TIER_RANK


def case_consent(case: Case) -> dict:
    """The case's consent: the most restrictive level among its sources ("internal" when
    none is recorded), organisations refused by any source, allowed by all named ones."""
    sources = list(case.sources)
    if not sources:
        return {"level": "internal", "allowed_orgs": [], "refused_orgs": [],
                "identification_referral": False}
    level = min((s.consent_level for s in sources), key=CONSENT_LEVELS.index)
    refused = sorted({o for s in sources for o in s.orgs(False)})
    named = [set(s.orgs(True)) for s in sources if s.consent_level == "named_partners"]
    allowed = sorted(set.intersection(*named) - set(refused)) if named else []
    return {"level": level, "allowed_orgs": allowed, "refused_orgs": refused,
            "identification_referral": any(s.identification_referral for s in sources)}


def _timeline_entry(entry, office: bool) -> dict:
    out = {"kind": entry.kind, "date": entry.date, "estimated": bool(entry.estimated),
           "place": entry.place, "facility": refdata.facility(entry.facility_id),
           "perpetrator": refdata.perpetrator(entry.perpetrator_id), "unit": entry.unit,
           "source_kind": entry.source.kind if entry.source else ""}
    if office:
        out.update(id=entry.id, source_id=entry.source_id)
    return out


def _source_record(source) -> dict:
    def clear(blob: bytes | None, context: bytes) -> str:
        return crypto.decrypt(blob, context=context) if blob else ""
    return {"id": source.id, "kind": source.kind, "relation": source.relation,
            "informant": clear(source.informant_enc, b"informant"),
            "contact": clear(source.contact_enc, b"contact"),
            "contact_channel": source.contact_channel, "interview_date": source.interview_date,
            "interviewer": source.interviewer, "reliability": source.reliability,
            "consent": {"level": source.consent_level, "allowed_orgs": source.orgs(True),
                        "refused_orgs": source.orgs(False),
                        "identification_referral": bool(source.identification_referral),
                        "date": source.consent_date, "method": source.consent_method}}


def redact_options() -> tuple:
    """Loader options fetching what redact() reads, for pages and exports (no N+1 queries)."""
    return (selectinload(Case.timeline).selectinload(TimelineEntry.source),
            selectinload(Case.sources).selectinload(Source.consent_orgs),
            selectinload(Case.submissions), selectinload(Case.tag_rows))


def redact(case: Case, tier: str, *, brief: bool = False) -> dict:
    """The case as a dict holding only the keys of `tier` (CONTRACT.md): a field above the
    tier is absent, not None. The only source of case data for pages, exports and PDFs.

    `brief`: only what a row of the case list shows (the summary keys, and the full arrest
    date where the tier holds it): a subset of the tier's keys that reads no related rows,
    so a page of the list loads no timeline, sources or submissions."""
    rank = TIER_RANK[tier]  # KeyError on an unknown tier: fail closed
    out = {
        "uid": case.uid, "reference": case.reference, "tier": tier,
        "names": {"first_ar": case.first_name_ar, "family_ar": case.family_name_ar,
                  "first_lat": case.first_name_lat, "family_lat": case.family_name_lat},
        "aliases": case.alias_list, "sex": case.sex, "birth_year": year_of(case.birth_date),
        "governorate": refdata.governorate(case.governorate_id),
        "arrest_month": month_of(case.arrest_date),
        "perpetrator": refdata.perpetrator(case.perpetrator_id),
        "facility": refdata.facility(case.last_facility_id),
        "status": case.status, "public_narrative": case.public_narrative,
    }
    if rank < TIER_RANK["detailed"]:
        return out
    if brief:
        out["arrest_date"] = case.arrest_date or None
        return out
    office = rank >= TIER_RANK["office"]
    out.update(
        parents={"father_ar": case.father_name_ar, "father_lat": case.father_name_lat,
                 "mother_ar": case.mother_name_ar, "mother_lat": case.mother_name_lat},
        birth_date=case.birth_date or None, district=refdata.district(case.district_id),
        arrest_date=case.arrest_date or None, arrest_circumstances=case.arrest_circumstances,
        timeline=[_timeline_entry(e, office) for e in case.timeline],
        submissions=[{"body": s.body, "date": s.date, "reference": s.reference,
                      "answer": s.answer, **({"id": s.id} if office else {})}
                     for s in case.submissions])
    if rank >= TIER_RANK["identification"]:
        out["informants"] = [{"relation": s.relation, "contact_channel": s.contact_channel}
                             for s in case.sources if s.identification_referral]
    if office:
        sources = [_source_record(s) for s in case.sources]
        out.update(
            internal_notes=case.internal_notes,
            interviewer=", ".join(dict.fromkeys(s["interviewer"] for s in sources
                                                if s["interviewer"])),
            sources=sources, consent=case_consent(case), tags=case.tags, version=case.version,
            external_id=case.external_id or "", created_at=case.created_at.isoformat(),
            updated_at=case.updated_at.isoformat())
    return out
