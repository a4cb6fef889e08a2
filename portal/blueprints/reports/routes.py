"""The access report for the office, its CSV export, and a partner_manager's view of their
colleagues' activity. Every read of either is itself audited."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import select

from ...access import visible_cases
from ...extensions import db
from ...models import Organization, Role, User
from ...services.oversight import access_report as report
from ...web import current_actor
from . import bp


def _scope() -> str:
    """Admins (the auditor right) see every account; staff the partner organisations'."""
    return "all" if current_user.role == Role.admin.value else "partners"


def _choices(scope: str) -> tuple[list, list]:
    orgs = select(Organization).order_by(Organization.kind != "office", Organization.name_en)
    users = select(User).order_by(User.email)
    if scope == "partners":
        orgs = orgs.where(Organization.kind != "office")
        users = users.where(User.organization_id.in_(report.partner_org_ids()))
    elif scope == "colleagues":
        orgs = orgs.where(Organization.id == current_user.organization_id)
        users = users.where(User.organization_id == current_user.organization_id)
    return db.session.scalars(orgs).all(), db.session.scalars(users).all()


def _parse(scope: str) -> report.ReportFilter:
    f = report.ReportFilter.parse(request.args)
    if scope == "colleagues":
        # Only the colleague and dates apply; the organisation is always their own.
        f.org, f.reference, f.outcome = None, "", ""
        if f.category == "refused":
            f.errors.append(("category", report.MESSAGES["choice"]))
    orgs, users = _choices(scope)
    if f.org and f.org not in {o.id for o in orgs}:
        f.errors.append(("org", report.MESSAGES["choice"]))
    if f.account and f.account not in {u.id for u in users}:
        f.errors.append(("account", report.MESSAGES["choice"]))
    if not f.errors:
        f.resolve_case()
    return f


def _page(scope: str, template: str):
    f = _parse(scope)
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    page, rows, summary = None, [], []
    if not f.errors:
        stmt = report.report_query(scope, current_user, f)
        page = db.paginate(stmt, page=page_no, per_page=report.PER_PAGE, error_out=False,
                           count=True)
        visible = visible_cases(current_user) if scope == "colleagues" else None
        rows = report.rows_for(list(page.items), case_filter=visible)
        summary = report.summary_by_org(scope, current_user, f) if scope != "colleagues" \
            else []
    report.record_read(current_actor(), scope=scope, f=f, page=page_no,
                       what="colleague_activity_read" if scope == "colleagues"
                       else "access_report_read")
    db.session.commit()
    orgs, users = _choices(scope)
    return render_template(template, f=f, page=page, rows=rows, summary=summary, orgs=orgs,
                           users=users, params=f.params(), scope=scope), \
        400 if f.errors else 200


@bp.route("/")
def index():
    return _page(_scope(), "reports/index.html")


@bp.route("/export.csv")
def export():
    scope = _scope()
    f = _parse(scope)
    if f.errors:
        return _page(scope, "reports/index.html")
    report.record_read(current_actor(), scope=scope, f=f, page=0, what="access_report_exported")
    db.session.commit()
    records = report.csv_records(report.report_query(scope, current_user, f))
    return Response(stream_with_context(report.csv_stream(records)),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=access-report.csv"})


@bp.route("/colleagues")
def colleagues():
    return _page("colleagues", "reports/colleagues.html")
