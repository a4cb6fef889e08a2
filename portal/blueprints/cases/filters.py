"""Template filters of the case register (partial dates, reference names, a case's names)
and its label tables as templates see them (`case_labels`)."""

from collections.abc import Mapping

from jinja2 import pass_context
from markupsafe import Markup, escape

from ...labels.cases import (
    BODY,
    CHANNEL,
    CONSENT,
    CONSENT_METHOD,
    FACILITY_KIND,
    FIELD,
    KIND,
    REASON,
    RELIABILITY,
    SEX,
    SOURCE_KIND,
    STATUS,
    ref_name,
)
from ...labels.sharing import TIER


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
