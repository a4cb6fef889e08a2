"""Fictional case and event dicts for the briefing-pack tests, following CONTRACT.md exactly,
with canary strings in every field a tier must not show (SECURITY.md test ground rules)."""

from __future__ import annotations

import copy

# Markers that must never appear in a pack, whatever the tier (never shared with partners).
NEVER_SHARED = {
    "internal_notes": "CANARY-NOTE-7f3a-ملاحظة",
    "interviewer": "CANARY-INTERVIEWER-91bc-مقابل",
    "sources": "CANARY-SOURCE-PHONE-55d0-هاتف",
    "consent": "CANARY-CONSENT-2e11",
    "tags": "CANARY-TAG-c0de",
}
# Field values that belong to a tier: absent from the dict below it, so from the pack.
DETAILED_MARKERS = {
    "father": "CANARYFATHER", "mother_ar": "كناريأم", "arrest_circumstances": "CANARY-CIRC-4411",
    "timeline_place": "CANARY-PLACE-8a8a", "unit": "CANARY-UNIT-3b3b",
    "submission": "CANARY-SUBMISSION-WG77", "birth_date": "1961-04-23",
}
IDENTIFICATION_MARKERS = {"relation": "CANARY-RELATION-aunt", "channel": "CANARY-CHANNEL-0770"}

NAME_AR = ("سلمى", "الخطيب")
NAME_LAT = ("Salma", "Al-Khatib")


def summary_case(n: int = 1, **over) -> dict:
    case = {
        "uid": f"uid-{n:04d}", "reference": f"DO-2025-{n:06d}", "tier": "summary",
        "names": {"first_ar": NAME_AR[0], "family_ar": NAME_AR[1], "first_lat": NAME_LAT[0],
                  "family_lat": NAME_LAT[1]},
        "aliases": ["أم خالد"], "sex": "female", "birth_year": 1961,
        "governorate": {"code": "HO", "name_ar": "حمص", "name_en": "Homs"},
        "arrest_month": "2013-06",
        "perpetrator": {"code": "gov", "name_ar": "القوات الحكومية السابقة",
                        "name_en": "Former government forces"},
        "facility": {"id": 3, "name_ar": "موقع الاحتجاز الشمالي (وهمي)",
                     "name_en": "Northern Holding Site (fictional)"},
        "status": "forcibly_disappeared",
        "public_narrative": "Taken at a checkpoint near the river (fictional account).",
    }
    case.update(over)
    return case


def _detailed_keys() -> dict:
    m = DETAILED_MARKERS
    return {
        "parents": {"father_ar": "يوسف", "father_lat": m["father"], "mother_ar": m["mother_ar"],
                    "mother_lat": ""},
        "birth_date": m["birth_date"], "district": None, "arrest_date": "2013-06-14",
        "arrest_circumstances": m["arrest_circumstances"],
        "timeline": [{"kind": "arrest", "date": "2013-06-14", "estimated": False,
                      "place": m["timeline_place"], "facility": None, "perpetrator": None,
                      "unit": m["unit"], "source_kind": "family"},
                     {"kind": "held", "date": "2013/2015", "estimated": True, "place": "",
                      "facility": {"id": 1, "name_ar": "السجن المركزي (وهمي)",
                                   "name_en": "Central Prison (fictional)"},
                      "perpetrator": None, "unit": "", "source_kind": "released_detainee"}],
        "submissions": [{"body": "UN working group (fictional)", "date": "2016-02",
                         "reference": m["submission"], "answer": ""}],
    }


def case_at(tier: str, n: int = 1, **over) -> dict:
    """A case dict with exactly the keys of `tier` (office adds the never-shared fields)."""
    case = summary_case(n, **over)
    case["tier"] = tier
    if tier in ("detailed", "identification", "office"):
        case.update(_detailed_keys())
    if tier in ("identification", "office"):
        case["informants"] = [{"relation": IDENTIFICATION_MARKERS["relation"],
                               "contact_channel": IDENTIFICATION_MARKERS["channel"]}]
    if tier == "office":
        case.update({"internal_notes": NEVER_SHARED["internal_notes"],
                     "interviewer": {"name": NEVER_SHARED["interviewer"]},
                     "sources": [{"name": "x", "phone": NEVER_SHARED["sources"]}],
                     "consent": {"level": NEVER_SHARED["consent"]},
                     "tags": [NEVER_SHARED["tags"]], "version": 7})
    return copy.deepcopy(case)


def with_leaks(case: dict) -> dict:
    """A dict that wrongly carries never-shared keys (a redaction bug upstream): the pack's
    allow-list must still leave them out."""
    leaked = dict(case)
    leaked.update({"internal_notes": NEVER_SHARED["internal_notes"],
                   "interviewer": NEVER_SHARED["interviewer"],
                   "sources": [{"contact": NEVER_SHARED["sources"]}],
                   "consent": NEVER_SHARED["consent"], "tags": [NEVER_SHARED["tags"]]})
    if case["tier"] == "summary":  # above-tier keys that redact() should have dropped
        leaked.update({k: v for k, v in _detailed_keys().items()})
        leaked["informants"] = [{"relation": IDENTIFICATION_MARKERS["relation"],
                                 "contact_channel": IDENTIFICATION_MARKERS["channel"]}]
    if case["tier"] == "detailed":
        leaked["informants"] = [{"relation": IDENTIFICATION_MARKERS["relation"],
                                 "contact_channel": IDENTIFICATION_MARKERS["channel"]}]
    return leaked


def forbidden_for(tier: str) -> list[str]:
    """Every marker that must not appear in a pack built from a `tier` dict."""
    markers = list(NEVER_SHARED.values())
    if tier == "summary":
        markers += [v for k, v in DETAILED_MARKERS.items() if k != "birth_date"]
    if tier in ("summary", "detailed"):
        markers += list(IDENTIFICATION_MARKERS.values())
    return markers


EVENT = {"title_ar": "ورشة عمل مشتركة", "title_en": "Joint workshop (fictional)",
         "kind": "workshop", "starts_at": "2026-04-02T09:00:00+03:00",
         "ends_at": "2026-04-02T15:00:00+03:00", "timezone": "Europe/Istanbul",
         "venue": "Gaziantep (fictional venue)", "online": False,
         "organiser": {"name_ar": "مكتب التوثيق", "name_en": "Documentation Office"},
         "status": "scheduled"}
