"""Support delivered to families and psychosocial-support (PSS) attendance, in aggregates
only: the office's monthly report (tables, SVG charts, CSV) and the "Support to families"
section of a briefing pack (issue 17). Referrals to partner organisations are counted in the
report and its CSV only, not in the pack.

Small cells are protected in three steps, table by table:
1. a count from 1 to 4 is shown as "<5" (DESIGN.md);
2. complementary suppression: while subtracting the shown cells from the total would pin the
   suppressed ones down (one "<5" cell alone, or several whose sum leaves one possibility),
   the smallest shown cell is hidden as well ("*");
3. where that is not enough (nothing left to hide), the total itself is hidden; one total is
   shared by every breakdown of the same items, so it is hidden in all of them at once.
Amounts are summed per currency, never converted, and shown only for 5 payments or more.
Everything here returns plain strings and numbers; nothing is ever per family.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timezone

from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_precision
from flask_babel import gettext as _
from sqlalchemy import func, select

from ...extensions import db
from ...models import Family, Governorate, Organization, SupportItem
from ...models.families import (
    NEED_CATEGORIES,
    REFERRAL_STATUSES,
    SUPPORT_FORMS,
    PssAttendance,
    PssEnrolment,
    PssSeries,
    Referral,
)
from ..audit import Actor
from ..briefings.formatting import digits, number

SMALL_CELL = 5
HIDDEN = "*"
BAR_WIDTH = 240.0
FIRST_YEAR = 2011


# --- suppression ---------------------------------------------------------------------------

def protect(counts: list[int]) -> tuple[list[str], bool]:
    """The state of each cell ("exact", "small" or "hidden") and whether the table's total
    may be shown, so that no suppressed cell can be worked out from the total."""
    states = ["small" if 0 < n < SMALL_CELL else "exact" for n in counts]

    def pinned() -> bool:
        small = [i for i, s in enumerate(states) if s == "small"]
        hidden = [i for i, s in enumerate(states) if s == "hidden"]
        if not small:
            return False
        total = sum(counts[i] for i in small + hidden)
        if not hidden:  # only "<5" cells: each in 1..4, their sum known from the total
            return True
        # a hidden cell is only known to be 5 or more: the sum pins the cells down only when
        # every one of them is at its least
        return total <= len(small) + SMALL_CELL * len(hidden)

    while pinned():
        shown = sorted((counts[i], i) for i, s in enumerate(states) if s == "exact" and counts[i])
        if not shown:
            break
        states[shown[0][1]] = "hidden"
    small = [counts[i] for i, s in enumerate(states) if s == "small"]
    hidden = [i for i, s in enumerate(states) if s == "hidden"]
    total_ok = not small or bool(hidden) or (len(small) < sum(small) < 4 * len(small))
    if hidden and pinned():
        total_ok = False
    if 0 < sum(counts) < SMALL_CELL:
        total_ok = True  # printed "<5" itself: nothing can be subtracted from it
    return states, total_ok


def shown(count: int, state: str, lang: str) -> str:
    if state == "hidden":
        return HIDDEN
    if state == "small":
        return "<" + number(SMALL_CELL, lang)
    return number(count, lang)


def _table(pairs: list[tuple[str, int]], lang: str) -> dict:
    """A breakdown: rows with their shown value and bar width, and the total's state."""
    counts = [n for _label, n in pairs]
    states, total_ok = protect(counts)
    peak = max([n for n, s in zip(counts, states) if s == "exact"] + [SMALL_CELL])
    rows = []
    for (text, count), state in zip(pairs, states):
        drawn = count if state == "exact" else SMALL_CELL
        rows.append({"label": text, "value": shown(count, state, lang), "state": state,
                     "width": round(max(BAR_WIDTH * drawn / peak, 1.0), 1) if count else 0})
    return {"rows": rows, "total_ok": total_ok, "sum": sum(counts)}


def _total(tables: list[dict], total: int, lang: str) -> str:
    if not all(t["total_ok"] for t in tables):
        return HIDDEN
    return shown(total, "small" if 0 < total < SMALL_CELL else "exact", lang)


# --- the data ------------------------------------------------------------------------------

def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _utc(day: date, end: bool = False) -> datetime:
    return datetime.combine(day, time.max if end else time.min, tzinfo=timezone.utc)


def _name(ar: str | None, en: str | None, lang: str) -> str:
    return ((ar if lang == "ar" else en) or en or ar or "").strip()


def support_figures(year: int, lang: str) -> dict:
    """Support items delivered in `year`: by month, category, form, where the family lives
    and the providing organisation; cash amounts per currency."""
    from ...labels.families import CURRENCY, NEED_CATEGORY, RESIDENCE_ABROAD, SUPPORT_FORM
    first, last = _year_bounds(year)
    rows = db.session.execute(
        select(SupportItem.delivered_on, SupportItem.category, SupportItem.form,
               SupportItem.amount_minor, SupportItem.currency, Family.residence_abroad,
               Governorate.name_ar, Governorate.name_en, Organization.name_ar,
               Organization.name_en)
        .join(Family, Family.id == SupportItem.family_id)
        .outerjoin(Governorate, Governorate.id == Family.governorate_id)
        .join(Organization, Organization.id == SupportItem.provider_org_id)
        .where(SupportItem.status == "delivered", SupportItem.delivered_on.between(first, last))
    ).all()
    months = Counter(r[0].month for r in rows)
    by_month = [(format_date(date(year, m, 1), "LLLL", locale=lang), months.get(m, 0))
                for m in range(1, 13)]
    categories = Counter(r[1] for r in rows)
    by_category = [(str(NEED_CATEGORY.get(c, c)), categories[c]) for c in NEED_CATEGORIES
                   if categories.get(c)]
    forms = Counter(r[2] for r in rows)
    by_form = [(str(SUPPORT_FORM.get(f, f)), forms[f]) for f in SUPPORT_FORMS if forms.get(f)]
    places: Counter = Counter()
    for r in rows:
        if r[5]:
            places[_("Abroad: %(country)s", country=RESIDENCE_ABROAD.get(r[5], r[5]))] += 1
        else:
            places[_name(r[6], r[7], lang) or _("Governorate not recorded")] += 1
    providers = Counter(_name(r[8], r[9], lang) for r in rows)
    tables = {
        "by_month": _table(by_month, lang),
        "by_category": _table(by_category, lang),
        "by_form": _table(by_form, lang),
        "by_place": _table(sorted(places.items(), key=lambda p: (-p[1], p[0])), lang),
        "by_provider": _table(sorted(providers.items(), key=lambda p: (-p[1], p[0])), lang),
    }
    cash: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r[2] == "cash" and r[3] is not None and r[4]:
            cash[r[4]].append(r[3])
    amounts = []
    for code in sorted(cash):
        values = cash[code]
        enough = len(values) >= SMALL_CELL
        amounts.append({"currency": code, "name": str(CURRENCY.get(code, code)),
                        "payments": shown(len(values), "exact" if enough else "small", lang),
                        "amount": _amount(sum(values), code, lang) if enough else ""})
    total = _total(list(tables.values()), len(rows), lang)
    return {"year": digits(str(year), lang), "total": total, "amounts": amounts, **tables}


def _amount(minor: int, currency: str, lang: str) -> str:
    places = get_currency_precision(currency)
    value = minor / (10 ** places) if places else minor
    text = format_decimal(value, format="#,##0" + ("." + "0" * places if places else ""),
                          locale="ar" if lang == "ar" else "en")
    return digits(text, lang) + " " + currency


def pss_figures(year: int, lang: str) -> dict:
    """Per PSS series: members enrolled, sessions attended and courses completed in `year`."""
    first, last = _year_bounds(year)
    start, end = _utc(first), _utc(last, end=True)
    enrolled = dict(db.session.execute(
        select(PssEnrolment.series_id, func.count()).where(
            PssEnrolment.enrolled_at.between(start, end)).group_by(PssEnrolment.series_id)).all())
    completed = dict(db.session.execute(
        select(PssEnrolment.series_id, func.count()).where(
            PssEnrolment.completed_at.between(start, end)).group_by(PssEnrolment.series_id)).all())
    from ...models import Event
    attended = dict(db.session.execute(
        select(PssEnrolment.series_id, func.count())
        .join(PssAttendance, PssAttendance.enrolment_id == PssEnrolment.id)
        .join(Event, Event.id == PssAttendance.event_id)
        .where(PssAttendance.attended.is_(True), Event.starts_at.between(start, end))
        .group_by(PssEnrolment.series_id)).all())
    ids = sorted(set(enrolled) | set(completed) | set(attended))
    series = {s.id: s for s in db.session.scalars(select(PssSeries).where(PssSeries.id.in_(ids)))}
    titles = [series[i].title(lang) for i in ids]
    columns = {}
    for key, source in (("enrolled", enrolled), ("attended", attended),
                        ("completed", completed)):
        columns[key] = _table([(t, source.get(i, 0)) for t, i in zip(titles, ids)], lang)
    rows = [{"title": t, **{k: columns[k]["rows"][n] for k in columns}}
            for n, t in enumerate(titles)]
    totals = {k: _total([c], c["sum"], lang) for k, c in columns.items()}
    return {"rows": rows, "totals": totals, "columns": columns}


def referral_figures(year: int, lang: str) -> dict:
    """Referrals to partner organisations made in `year` (by when they were sent): by month,
    partner organisation, where they stand now and kind of need; suppressed as above."""
    from ...labels.families import NEED_CATEGORY, REFERRAL_STATUS
    first, last = _year_bounds(year)
    rows = db.session.execute(
        select(Referral.created_at, Referral.status, Referral.category, Organization.name_ar,
               Organization.name_en)
        .join(Organization, Organization.id == Referral.organization_id)
        .where(Referral.created_at.between(_utc(first), _utc(last, end=True)))
    ).all()
    months = Counter(r[0].month for r in rows)
    by_month = [(format_date(date(year, m, 1), "LLLL", locale=lang), months.get(m, 0))
                for m in range(1, 13)]
    partners = Counter(_name(r[3], r[4], lang) for r in rows)
    statuses = Counter(r[1] for r in rows)
    by_status = [(str(REFERRAL_STATUS.get(s, s)), statuses[s]) for s in REFERRAL_STATUSES
                 if statuses.get(s)]
    categories = Counter(r[2] for r in rows)
    by_category = [(str(NEED_CATEGORY.get(c, c)), categories[c]) for c in NEED_CATEGORIES
                   if categories.get(c)]
    tables = {
        "by_month": _table(by_month, lang),
        "by_partner": _table(sorted(partners.items(), key=lambda p: (-p[1], p[0])), lang),
        "by_status": _table(by_status, lang),
        "by_category": _table(by_category, lang),
    }
    return {"total": _total(list(tables.values()), len(rows), lang), **tables}


def pack_section(year: int, lang: str) -> dict:
    """The "Support to families" section of a briefing pack: the same aggregates, with the
    same suppression, as plain strings (never a family, a name or an amount under 5 payments)."""
    return {"year": digits(str(year), lang), "support": support_figures(year, lang),
            "pss": pss_figures(year, lang)}


def available_years(today: date | None = None) -> list[int]:
    current = (today or date.today()).year
    return list(range(current, FIRST_YEAR - 1, -1))


# --- export --------------------------------------------------------------------------------

_LATIN = str.maketrans("٠١٢٣٤٥٦٧٨٩٫", "0123456789.")


def _plain(value: str) -> str:
    """A shown value for a spreadsheet: Latin digits, no thousands separators."""
    return value.translate(_LATIN).replace("٬", "").replace(",", "")


def csv_text(support: dict, pss: dict, referrals: dict | None = None) -> str:
    """The report as CSV (section, row, value): the same suppressed values as the page, the
    labels in the reader's language, the numbers in Latin digits without separators."""
    from ..cases.exports import neutralise
    rows = [("support_delivered", "total", support["total"])]
    for key in ("by_month", "by_category", "by_form", "by_place", "by_provider"):
        rows += [(key, neutralise(row["label"]), row["value"]) for row in support[key]["rows"]]
    for item in support["amounts"]:
        rows.append(("cash_" + item["currency"], "payments", item["payments"]))
        rows.append(("cash_" + item["currency"], "amount", item["amount"] or HIDDEN))
    for row in pss["rows"]:
        for key in ("enrolled", "attended", "completed"):
            rows.append(("pss_" + key, neutralise(row["title"]), row[key]["value"]))
    rows += [("pss_" + key, "total", value) for key, value in pss["totals"].items()]
    if referrals is not None:
        rows.append(("referrals_made", "total", referrals["total"]))
        for key in ("by_month", "by_partner", "by_status", "by_category"):
            rows += [("referrals_" + key, neutralise(row["label"]), row["value"])
                     for row in referrals[key]["rows"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "row", "value"])
    writer.writerows((section, label, _plain(value)) for section, label, value in rows)
    return out.getvalue()


def record_export(year: int, *, actor: Actor) -> None:
    from .. import audit
    audit.record("family_report_exported", actor, object_type="family_report",
                 object_id=str(year), detail={"format": "csv"})


def record_view(year: int, *, actor: Actor) -> None:
    from .. import audit
    audit.record("family_report_read", actor, object_type="family_report",
                 object_id=str(year))


__all__ = ["HIDDEN", "SMALL_CELL", "available_years", "csv_text", "pack_section", "protect",
           "pss_figures", "referral_figures",
           "record_export", "record_view", "support_figures"]
