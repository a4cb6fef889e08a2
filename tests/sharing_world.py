"""A world for the sharing security tests (SECURITY.md §2 ground rules): cases in every
object context, each field holding its own canary (Latin and Arabic), grants to org A and B.

Contexts seen from org A: shared_a (an active identification grant, referral allowed),
b_only (granted to B only), unshared, expired (A's grant expired), revoked (A's grant
revoked), refused (A's grant, but the informant refused A), internal (A's grant, office-only
consent), deleted (A's grant, case soft-deleted), nonexistent (a random uuid)."""

from __future__ import annotations

from portal import refdata
from portal.extensions import db
from portal.services.cases import records as case_records
from portal.services.cases.register import delete_case

from .case_helpers import actor_of, add_source, make_case
from .sharing_helpers import make_grant

CONTEXTS = ("shared_a", "b_only", "unshared", "expired", "revoked", "refused", "internal",
            "deleted", "nonexistent")
NONEXISTENT_UID = "00000000-0000-4000-8000-00000000dead"
TIER_ORDER = ("summary", "detailed", "identification")
# Where each canary lives, and the lowest tier that may show it ("never": partners never).
FIELD_TIERS = {
    "first_name_ar": "summary", "family_name_ar": "summary", "first_name_lat": "summary",
    "family_name_lat": "summary", "aliases": "summary", "public_narrative": "summary",
    "father_name_ar": "detailed", "father_name_lat": "detailed", "mother_name_ar": "detailed",
    "mother_name_lat": "detailed", "arrest_circumstances": "detailed", "place": "detailed",
    "unit": "detailed", "submission_reference": "detailed", "submission_answer": "detailed",
    "relation": "identification",
    "internal_notes": "never", "tags": "never", "interviewer": "never", "informant": "never",
    "contact": "never",
}


def canary(ctx: str, field: str) -> str:
    """The canary of one field of one case: a unique Latin id and an Arabic word."""
    return f"CANARY-7f3a-{ctx}-{field}-هاتف"


def canary_id(ctx: str, field: str) -> str:
    """What a test looks for (case-folded): the Latin id survives JSON \\u escapes, CSV
    quoting and tag lower-casing."""
    return f"canary-7f3a-{ctx}-{field}-".casefold()


def allowed_fields(tier: str | None) -> set[str]:
    """The fields whose canary may appear at `tier` (None: not visible, nothing)."""
    if tier is None:
        return set()
    if tier == "office":
        return set(FIELD_TIERS)
    rank = TIER_ORDER.index(tier)
    return {f for f, t in FIELD_TIERS.items() if t != "never" and TIER_ORDER.index(t) <= rank}


def canary_case(staff, ctx: str, *, consent: dict | None = None, referral: bool = True,
                status: str = "forcibly_disappeared"):
    """A case of context `ctx` with a canary in every field, one source, a timeline entry
    with place, facility, perpetrator and unit, and a mechanism submission."""
    c = lambda field: canary(ctx, field)  # noqa: E731
    fields = {name: c(name) for name in (
        "first_name_ar", "family_name_ar", "first_name_lat", "family_name_lat",
        "father_name_ar", "father_name_lat", "mother_name_ar", "mother_name_lat",
        "public_narrative", "internal_notes", "arrest_circumstances")}
    fields.update(aliases=[c("aliases")], tags=[c("tags")], status=status,
                  birth_date="1961-04-23")
    facility = refdata.all_rows("facilities")[0]["id"]
    party = refdata.all_rows("perpetrators")[0]["id"]
    case = make_case(staff, arrest={"date": "2013-06-14", "place": c("place"), "unit": c("unit"),
                                    "facility_id": facility, "perpetrator_id": party}, **fields)
    source = add_source(case, staff, relation=c("relation"), informant=c("informant"),
                        contact=c("contact"), interviewer=c("interviewer"),
                        identification_referral=referral,
                        **(consent or {"consent_level": "all_partners"}))
    case.timeline[0].source_id = source.id
    case_records.save_submission(case, {"body": "wgeid", "date": "2016-02",
                                        "reference": c("submission_reference"),
                                        "answer": c("submission_answer")},
                                 actor=actor_of(staff))
    db.session.flush()
    return case


def build_world(users, orgs) -> dict:
    """Every context's case (uid by context), the grants, and who sees what at which tier."""
    staff = users["staff"]
    a, b = orgs["a"], orgs["b"]
    cases = {ctx: canary_case(staff, ctx) for ctx in CONTEXTS if ctx not in (
        "refused", "internal", "nonexistent")}
    cases["refused"] = canary_case(staff, "refused", consent={
        "consent_level": "all_partners", "refused_orgs": [a.id]})
    cases["internal"] = canary_case(staff, "internal", consent={"consent_level": "internal"})
    grant_a = make_grant(a, "identification", [cases[k] for k in (
        "shared_a", "refused", "internal", "deleted")], by=staff)
    make_grant(a, "identification", [cases["expired"]], days=-1)
    make_grant(a, "identification", [cases["revoked"]], revoked=True)
    make_grant(b, "summary", [cases["b_only"]])
    delete_case(cases["deleted"], actor=actor_of(staff))
    db.session.commit()
    uids = {ctx: case.uid for ctx, case in cases.items()}
    uids["nonexistent"] = NONEXISTENT_UID
    return {"cases": cases, "uids": uids, "grant_a": grant_a,
            # the tier each organisation sees each context at (absent: not visible)
            "tiers": {"a": {"shared_a": "identification"}, "b": {"b_only": "summary"}}}


def forbidden_ids(world, org_key: str | None) -> list[str]:
    """Canary ids that must never reach an account of `org_key` (None: anonymous)."""
    tiers = world["tiers"].get(org_key, {}) if org_key else {}
    return [canary_id(ctx, field) for ctx in world["cases"] for field in FIELD_TIERS
            if field not in allowed_fields(tiers.get(ctx))]


def leaks(body: str, ids: list[str]) -> list[str]:
    folded = body.casefold()
    return [i for i in ids if i in folded]
