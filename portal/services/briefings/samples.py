"""Deterministic FICTIONAL case and event dicts in the shape of CONTRACT.md.

For the renderer's smoke test (`flask briefings render --sample N`), the benchmarks and the
tests. Every name is an invented combination; none is a real person. Reference data
(governorates) is real geography; facilities and parties are labelled fictional.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

FIRST = [("محمد", "Mohammad"), ("أحمد", "Ahmad"), ("محمود", "Mahmoud"), ("عمر", "Omar"),
         ("خالد", "Khaled"), ("يوسف", "Yousef"), ("سامر", "Samer"), ("ليلى", "Layla"),
         ("فاطمة", "Fatima"), ("رنا", "Rana"), ("هبة", "Hiba"), ("نور", "Nour"),
         ("زينب", "Zainab"), ("مريم", "Maryam"), ("حسن", "Hasan"), ("عليّ", "Ali"),
         ("إبراهيم", "Ibrahim"), ("طارق", "Tareq"), ("وائل", "Wael"), ("مُنى", "Mouna")]
FAMILY = [("الحلبي", "Al-Halabi"), ("الشامي", "Al-Shami"), ("الحمصي", "Al-Homsi"),
          ("الإدلبي", "Al-Idlibi"), ("العلي", "Al-Ali"), ("الخطيب", "Al-Khatib"),
          ("النجار", "Al-Najjar"), ("الحداد", "Al-Haddad"), ("القاسم", "Al-Qasem"),
          ("الأحمد", "Al-Ahmad"), ("الصبّاغ", "Al-Sabbagh"), ("مرعي", "Marei")]
GOVERNORATES = [("DA", "دمشق", "Damascus"), ("AL", "حلب", "Aleppo"), ("HO", "حمص", "Homs"),
                ("HA", "حماة", "Hama"), ("ID", "إدلب", "Idlib"), ("DR", "درعا", "Daraa"),
                ("DZ", "دير الزور", "Deir ez-Zor"), ("RD", "ريف دمشق", "Rif Dimashq")]
PARTIES = [("gov", "القوات الحكومية السابقة", "Former government forces"),
           ("isis", "تنظيم الدولة", "ISIS"),
           ("defacto", "سلطة أمر واقع (وهمية)", "De-facto authority (fictional)")]
FACILITIES = [(1, "السجن المركزي (وهمي)", "Central Prison (fictional)"),
              (2, "الفرع الأمني ٩ (وهمي)", "Security Branch 9 (fictional)"),
              (3, "موقع الاحتجاز الشمالي (وهمي)", "Northern Holding Site (fictional)"),
              (4, "مطار عسكري (وهمي)", "Military Airfield Site (fictional)"),
              (5, "سجن المدينة (وهمي)", "City Jail (fictional)")]
STATUSES = ["detained", "forcibly_disappeared", "missing", "released", "died_in_custody",
            "identified"]
TIERS = ["summary", "detailed", "identification"]
NARRATIVE = ("اعتُقل {name} في {year} عند حاجز على طريق المدينة، ولم تتلقَّ العائلة أي خبر "
             "رسمي منذ ذلك الحين. Witnesses saw {lat} at a checkpoint in {year}; the family "
             "has had no official news since.")


def _geo(row) -> dict:
    return {"code": row[0], "name_ar": row[1], "name_en": row[2]}


def _facility(row) -> dict:
    return {"id": row[0], "name_ar": row[1], "name_en": row[2]}


def sample_case(i: int, tier: str = "detailed", rng: random.Random | None = None) -> dict:
    """One fictional case dict with exactly the keys of `tier` (CONTRACT.md)."""
    # Fictional sample data, not secrets.
    rng = rng or random.Random(i)  # nosec B311
    first, father, family = rng.choice(FIRST), rng.choice(FIRST), rng.choice(FAMILY)
    year = rng.randint(2011, 2024)
    month = f"{year}-{rng.randint(1, 12):02d}"
    party, facility = rng.choice(PARTIES), rng.choice(FACILITIES)
    case = {
        "uid": f"c{i:07d}", "reference": f"DO-{year}-{i:06d}", "tier": tier,
        "names": {"first_ar": first[0], "family_ar": family[0], "first_lat": first[1],
                  "family_lat": family[1]},
        "aliases": [f"أبو {father[0]}"] if i % 3 == 0 else [],
        "sex": rng.choice(["male", "male", "female", "unknown"]),
        "birth_year": rng.randint(1950, 2005) if i % 7 else None,
        "governorate": _geo(rng.choice(GOVERNORATES)), "arrest_month": month,
        "perpetrator": {"code": party[0], "name_ar": party[1], "name_en": party[2]},
        "facility": _facility(facility), "status": rng.choice(STATUSES),
        "public_narrative": NARRATIVE.format(name=first[0] + " " + family[0], year=year,
                                             lat=first[1] + " " + family[1]),
    }
    if tier in ("detailed", "identification", "office"):
        case.update({
            "parents": {"father_ar": father[0], "father_lat": father[1],
                        "mother_ar": rng.choice(FIRST)[0], "mother_lat": ""},
            "birth_date": f"{case['birth_year']}" if case["birth_year"] else None,
            "district": None, "arrest_date": f"{month}-{rng.randint(1, 28):02d}",
            "arrest_circumstances": "اعتُقل من مكان عمله مع اثنين من زملائه.",
            "timeline": [
                {"kind": "arrest", "date": f"{month}-03", "estimated": False,
                 "place": "حاجز المدينة", "facility": None,
                 "perpetrator": case["perpetrator"], "unit": "", "source_kind": "family"},
                {"kind": "held", "date": f"{year}/{year + 1}", "estimated": True, "place": "",
                 "facility": _facility(facility), "perpetrator": None, "unit": "",
                 "source_kind": "released_detainee"},
                {"kind": "sighting", "date": str(year + 2), "estimated": True, "place": "",
                 "facility": _facility(rng.choice(FACILITIES)), "perpetrator": None,
                 "unit": "", "source_kind": "released_detainee"}],
            "submissions": [{"body": "UN Working Group (fictional)", "date": f"{year + 1}-02",
                             "reference": f"WG/{year + 1}/{i}", "answer": ""}],
        })
    if tier in ("identification", "office"):
        case["informants"] = [{"relation": "أخت", "contact_channel": "via the office"}]
    return case


def sample_cases(count: int, *, seed: int = 7, tiers: list[str] | None = None) -> list[dict]:
    """`count` fictional cases, tiers cycling through `tiers` (default: all partner tiers)."""
    # Fictional sample data, not secrets.
    rng = random.Random(seed)  # nosec B311
    tiers = tiers or TIERS
    return [sample_case(i + 1, tiers[i % len(tiers)], rng) for i in range(count)]


def sample_events(now: datetime | None = None) -> list[dict]:
    """Two upcoming fictional joint events (CONTRACT.md event dicts)."""
    now = now or datetime.now(timezone.utc)
    start = (now + timedelta(days=12)).replace(hour=9, minute=0, second=0, microsecond=0)
    return [
        {"title_ar": "ورشة عمل حول الاختفاء القسري", "title_en": "Workshop on enforced "
         "disappearance", "kind": "workshop", "starts_at": start.isoformat(),
         "ends_at": (start + timedelta(hours=6)).isoformat(), "timezone": "Europe/Beirut",
         "venue": "Beirut (fictional venue)", "online": False,
         "organiser": {"name_ar": "مكتب التوثيق", "name_en": "Documentation Office"},
         "status": "scheduled"},
        {"title_ar": "اجتماع تنسيقي", "title_en": "Coordination meeting", "kind": "meeting",
         "starts_at": (start + timedelta(days=20)).isoformat(),
         "ends_at": (start + timedelta(days=20, hours=2)).isoformat(),
         "timezone": "Europe/Zurich", "venue": "", "online": True,
         "organiser": {"name_ar": "مكتب التوثيق", "name_en": "Documentation Office"},
         "status": "postponed"},
    ]
