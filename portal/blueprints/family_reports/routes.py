"""The support and PSS report: one calendar year at a time (whole years only, so that no two
periods differ by a few days whose small counts subtraction would reveal)."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...access.families import require_families_reader
from ...extensions import db
from ...services import family_reports as reports
from ...web import current_actor, error_page
from . import bp


def _year() -> int | None:
    years = reports.available_years()
    raw = request.args.get("year", "")
    if not raw:
        return years[0]
    return int(raw) if raw.isdigit() and int(raw) in years else None


def _figures(year: int) -> tuple[dict, dict, dict]:
    lang = get_locale().language
    return (reports.support_figures(year, lang), reports.pss_figures(year, lang),
            reports.referral_figures(year, lang))


def _read(record_read):
    """Check access and the chosen year, gather the figures and record the read with
    `record_read` (view or export); returns ((year, support, pss, referrals), None), or
    (None, error page)."""
    require_families_reader(current_user)
    year = _year()
    if year is None:
        return None, error_page(400, _("Year: choose one of the years in the list."))
    support, pss, referrals = _figures(year)
    record_read(year, actor=current_actor())
    db.session.commit()
    return (year, support, pss, referrals), None


@bp.route("/")
def index():
    shown, refused = _read(reports.record_view)
    if refused is not None:
        return refused
    year, support, pss, referrals = shown
    return render_template("family_reports/index.html", year=year, support=support, pss=pss,
                           referrals=referrals, years=reports.available_years())


@bp.route("/export.csv")
def export():
    shown, refused = _read(reports.record_export)
    if refused is not None:
        return refused
    year, support, pss, referrals = shown
    return Response(reports.csv_text(support, pss, referrals), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f"attachment; filename=support-report-{year}.csv"})
