"""Translated labels of the case register's vocabularies (codes are stored, labels shown)."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup, escape

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
TIER = {"summary": _l("Summary"), "detailed": _l("Detailed"),
        "identification": _l("Identification"), "office": _l("Office (everything)")}
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
    out = [(code, label) for code, label in table.items()]
    return ([("", blank)] if blank is not None else []) + out


class TranslatedTables(Mapping):
    """The label tables for templates, each translated once per language and kept: a page of
    50 cases otherwise runs gettext for every badge (the catalogues do not change while the
    portal runs). `case_labels.status` is a plain dict of strings for the request's language."""

    def __init__(self, tables: dict[str, dict]):
        self._tables = tables
        self._done: dict[tuple[str, str], dict[str, str]] = {}

    def __getitem__(self, name: str) -> dict[str, str]:
        from flask_babel import get_locale
        key = (str(get_locale()), name)
        table = self._done.get(key)
        if table is None:
            table = self._done[key] = {code: str(label)
                                       for code, label in self._tables[name].items()}
        return table

    def __iter__(self):
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def _language(context) -> str:
    """The page's language: from the template context (i18n.inject_locale puts it there once
    per page; a list of 50 cases asks 150 times), else from the request."""
    locale = context.get("current_locale")
    if locale is None:
        from flask_babel import get_locale
        locale = get_locale()
    return locale.language


@pass_context
def _partial_date(context, value: str | None) -> str:
    from ...partial_dates import format_partial
    return format_partial(value, _language(context))


def ref_name(row: dict | None, language: str | None = None) -> str:
    """A reference row's name in `language` (default: the request's), English if none."""
    if not row:
        return ""
    if language is None:
        from flask_babel import get_locale
        language = get_locale().language
    return (row["name_ar"] if language == "ar" else row["name_en"]) or row["name_en"]


@pass_context
def _ref_name(context, row: dict | None) -> str:
    return ref_name(row, _language(context))


def _display_names(names: Mapping | None) -> Markup:
    """A case's own names as shown in lists: Arabic (right to left) · Latin, or a dash. A
    filter rather than a macro: a list of 50 cases calls it 50 times."""
    names = names or {}
    ar = " ".join(n for n in (names.get("first_ar"), names.get("family_ar")) if n)
    lat = " ".join(n for n in (names.get("first_lat"), names.get("family_lat")) if n)
    parts = ([f'<bdi dir="rtl" lang="ar">{escape(ar)}</bdi>'] if ar else []) + (
        [f'<bdi dir="ltr">{escape(lat)}</bdi>'] if lat else [])
    # Both names are escaped above; the markup is only the two <bdi> wrappers.
    return Markup(" · ".join(parts) if parts else "—")  # nosec B704


def register(state) -> None:
    from flask_babel import format_datetime, format_decimal
    filters = state.app.jinja_env.filters
    filters.update(partial_date=_partial_date, ref_name=_ref_name, display_names=_display_names)
    # Used by the shared macros; main registers them in portal/i18n.py as well.
    filters.setdefault("format_number", format_decimal)
    filters.setdefault("format_datetime", lambda value, fmt="medium": format_datetime(value, fmt))
    state.app.jinja_env.globals.update(
        case_labels=TranslatedTables({
            "status": STATUS, "sex": SEX, "kind": KIND, "source_kind": SOURCE_KIND,
            "reliability": RELIABILITY, "consent": CONSENT, "channel": CHANNEL, "body": BODY,
            "facility_kind": FACILITY_KIND, "tier": TIER, "field": FIELD, "reason": REASON,
            "consent_method": CONSENT_METHOD}))
