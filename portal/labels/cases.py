"""Translated labels of the case register's vocabularies (codes are stored, labels shown).
The detail tiers are in labels.sharing."""

from flask_babel import lazy_gettext as _l

STATUS = {"detained": _l("Detained"), "forcibly_disappeared": _l("Forcibly disappeared"),
          "missing": _l("Missing"), "released": _l("Released"),
          "died_in_custody": _l("Died in custody"), "identified": _l("Identified")}
SEX = {"male": _l("Male"), "female": _l("Female"), "unknown": _l("Unknown")}
KIND = {"arrest": _l("Arrest"), "held": _l("Held at a facility"), "transfer": _l("Transfer"),
        "sighting": _l("Sighting"), "court": _l("Court"), "release": _l("Release"),
        "death": _l("Death"), "identification": _l("Identification")}
SOURCE_KIND = {"family": _l("Family"), "released_detainee": _l("Released detainee"),
               "witness": _l("Witness"), "document": _l("Document"), "media": _l("Media"),
               "partner": _l("Partner organisation"), "other": _l("Other")}
RELIABILITY = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low"),
               "unknown": _l("Not assessed")}
CONSENT = {"internal": _l("Office only"), "named_partners": _l("Named partners only"),
           "all_partners": _l("All partners"), "public": _l("Public")}
CONSENT_METHOD = {"written": _l("Written"), "oral_recorded": _l("Oral, recorded"),
                  "oral_witnessed": _l("Oral, witnessed"), "electronic": _l("Electronic")}
CHANNEL = {"phone": _l("Phone"), "messaging_app": _l("Messaging app"), "email": _l("E-mail"),
           "in_person": _l("In person"), "through_field_team": _l("Through the field team"),
           "none": _l("No contact")}
BODY = {"wgeid": _l("UN Working Group on Enforced or Involuntary Disappearances"),
        "iimp": _l("Independent Institution on Missing Persons in Syria"),
        "icmp": _l("International Commission on Missing Persons"),
        "coi": _l("Commission of Inquiry on Syria"),
        "iiim": _l("International, Impartial and Independent Mechanism"), "other": _l("Other")}
FACILITY_KIND = {"prison": _l("Prison"), "security_branch": _l("Security branch"),
                 "military_site": _l("Military site"), "unofficial": _l("Unofficial site"),
                 "unknown": _l("Unknown")}
FIELD = {"first_name_ar": _l("First name (Arabic)"), "father_name_ar": _l("Father's name (Arabic)"),
         "family_name_ar": _l("Family name (Arabic)"), "mother_name_ar": _l("Mother's name (Arabic)"),
         "first_name_lat": _l("First name (Latin)"), "father_name_lat": _l("Father's name (Latin)"),
         "family_name_lat": _l("Family name (Latin)"), "mother_name_lat": _l("Mother's name (Latin)"),
         "aliases": _l("Other names"), "sex": _l("Sex"), "birth_date": _l("Birth date"),
         "governorate_id": _l("Governorate of origin"), "district_id": _l("District"),
         "status": _l("Current status"), "public_narrative": _l("Public narrative"),
         "internal_notes": _l("Internal notes"), "arrest_circumstances": _l("Circumstances of arrest"),
         "tags": _l("Tags")}
REASON = {"names": _l("same names"), "mother": _l("same mother's name"),
          "birth_year": _l("same birth year"), "origin": _l("same origin")}


def choices(table: dict, blank: str | None = None) -> list[tuple[str, str]]:
    """A label table as the choices of a select field, optionally after a blank one."""
    out = [(code, label) for code, label in table.items()]
    return ([("", blank)] if blank is not None else []) + out


def ref_name(row: dict | None, language: str | None = None) -> str:
    """A reference row's name (governorate, district, perpetrator, facility) in `language`
    (default: the request's), English if none."""
    if not row:
        return ""
    if language is None:
        from flask_babel import get_locale
        language = get_locale().language
    return (row["name_ar"] if language == "ar" else row["name_en"]) or row["name_en"]
