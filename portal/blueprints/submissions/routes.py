"""Partner submissions, the partner's side: their organisation's submissions and outcomes,
the intake form for a new case, and an update to a case shared with them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...access import (
    effective_tier,
    get_case_or_404,
    get_submission_or_404,
    redact,
    visible_cases,
    visible_submissions,
)
from ...extensions import db
from ...models import Case, PartnerSubmission
from ...services.sharing import submissions
from ...services.sharing.submissions import SubmissionInvalid
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import ProposeCaseForm, ProposeUpdateForm, _attach

PER_PAGE = 50


def language() -> str:
    return get_locale().language


def visible_refs(subs) -> dict[int, dict]:
    """The cases of `subs` the current user sees, as summary dicts (by case id); a case
    no longer shared with the organisation is absent."""
    ids = {i for s in subs for i in (s.case_id, s.result_case_id) if i}
    if not ids:
        return {}
    cases = db.session.scalars(visible_cases(current_user).where(Case.id.in_(ids))).all()
    return {c.id: redact(c, "summary") for c in cases if effective_tier(current_user, c)}


@bp.route("/")
def index():
    stmt = visible_submissions(current_user).order_by(PartnerSubmission.created_at.desc(),
                                                      PartnerSubmission.id.desc())
    page = db.paginate(stmt, page=max(1, request.args.get("page", 1, type=int) or 1),
                       per_page=PER_PAGE, error_out=False)
    return render_template("submissions/index.html", page=page,
                           cases=visible_refs(page.items))


@bp.route("/new", methods=["GET", "POST"])
def propose_case():
    form = ProposeCaseForm().setup(language())
    if form.validate_on_submit():
        with commit_or_report(SubmissionInvalid, lambda exc: _attach(form, exc.errors)) as outcome:
            sub = submissions.propose_case(form.case(), form.arrest(), form.text.data or "",
                                           user=current_user, actor=current_actor())
        if outcome.ok:
            flash(_("Thank you. The office will review the proposed case."), "success")
            return redirect(url_for("submissions.detail", uid=sub.uid))
    return render_template("submissions/propose_case.html", form=form), \
        422 if form.is_submitted() else 200


@bp.route("/cases/<uid>", methods=["GET", "POST"])
def propose_update(uid: str):
    case = get_case_or_404(uid, current_user)
    form = ProposeUpdateForm().setup(language())
    if form.validate_on_submit():
        with commit_or_report(SubmissionInvalid, lambda exc: _attach(form, exc.errors)) as outcome:
            sub = submissions.propose_update(case, form.data_dict(), user=current_user,
                                             actor=current_actor())
        if outcome.ok:
            flash(_("Thank you. The office will review the update."), "success")
            return redirect(url_for("submissions.detail", uid=sub.uid))
    summary = redact(case, "summary")
    return render_template("submissions/propose_update.html", form=form, case=summary), \
        422 if form.is_submitted() else 200


@bp.route("/<uid>")
def detail(uid: str):
    sub = get_submission_or_404(uid, current_user)
    if current_user.is_office:
        from .review import review_page
        return review_page(sub)
    return render_template("submissions/detail.html", sub=sub,
                           data=submissions.payload(sub), cases=visible_refs([sub]))

