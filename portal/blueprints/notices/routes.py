"""The office's notices: alerts about partner accounts (bulk reads, refused case attempts),
and their count in the header."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ...access import MAX_ID, can_reach
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import Case, Notice
from ...services.oversight import alerts
from ...web import current_actor
from . import bp

PER_PAGE = 50


@bp.app_context_processor
def inject_notice_count():
    def open_notice_count() -> int:
        if not can_reach("notices.index"):
            return 0
        try:
            return alerts.open_count()
        except SQLAlchemyError:  # e.g. the 503 page while the database is away
            db.session.rollback()
            return 0
    return {"open_notice_count": open_notice_count}


@bp.route("/")
def index():
    show = request.args.get("show", "open")
    if show not in ("open", "all"):
        abort(400)
    stmt = select(Notice).order_by(Notice.last_at.desc(), Notice.id.desc())
    if show == "open":
        stmt = stmt.where(Notice.acknowledged_at.is_(None))
    page = db.paginate(stmt, page=max(1, request.args.get("page", 1, type=int) or 1),
                       per_page=PER_PAGE, error_out=False)
    case_ids = {n.case_id for n in page.items if n.case_id}
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(case_ids)))} \
        if case_ids else {}
    return render_template("notices/index.html", page=page, show=show, cases=cases,
                           form=EmptyForm())


@bp.route("/<int:notice_id>/acknowledge", methods=["POST"])
def acknowledge(notice_id: int):
    if not 0 < notice_id <= MAX_ID:
        abort(404)
    notice = db.get_or_404(Notice, notice_id)
    if EmptyForm().validate_on_submit():
        alerts.acknowledge(notice, actor=current_actor())
        db.session.commit()
        flash(_("The notice was marked as dealt with."), "success")
    return redirect(url_for("notices.index"))
