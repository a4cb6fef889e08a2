"""Partner submissions, the office's side: the review queue, and accepting (merging into
the register) or declining with a reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case as sql_case
from sqlalchemy import select

from ...access import get_submission_or_404, redact, submission_case_visible
from ...extensions import db
from ...models import PartnerSubmission
from ...services.cases.duplicates import find_duplicates
from ...services.sharing import submissions
from ...services.sharing.submissions import SubmissionInvalid
from ...web import current_actor
from . import bp
from .forms import AcceptForm, DeclineForm

PER_PAGE = 50
STATES = ("pending", "accepted", "declined", "all")


@bp.route("/queue")
def queue():
    state = request.args.get("state", "pending")
    if state not in STATES:
        abort(400)
    stmt = select(PartnerSubmission).order_by(
        sql_case((PartnerSubmission.status == "pending", 0), else_=1),
        PartnerSubmission.created_at.desc(), PartnerSubmission.id.desc())
    if state != "all":
        stmt = stmt.where(PartnerSubmission.status == state)
    page = db.paginate(stmt, page=max(1, request.args.get("page", 1, type=int) or 1),
                       per_page=PER_PAGE, error_out=False)
    flags = {s.id: s.kind == "update" and not submission_case_visible(s) for s in page.items}
    cases = {s.id: redact(s.case, "summary") for s in page.items if s.case is not None}
    return render_template("submissions/queue.html", page=page, state=state, flags=flags,
                           cases=cases)


def review_page(sub: PartnerSubmission, accept: AcceptForm | None = None,
                decline: DeclineForm | None = None, errors=(), status: int = 200):
    """The office's page of one submission: content, flags, and the two decisions."""
    accept = accept or AcceptForm().setup(sub.update_kind)
    decline = decline or DeclineForm()
    general = []
    for name, message in errors:  # put each message on its field; the rest above the forms
        field = {"record_as": accept.record_as, "reason": decline.reason}.get(name)
        if field is None:
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    data = submissions.payload(sub)
    dups = find_duplicates(data["case"]) if sub.kind == "new_case" and sub.is_pending else []
    return render_template(
        "submissions/review.html", sub=sub, data=data, duplicates=dups,
        dup_rows={d.case.id: redact(d.case, "summary") for d in dups},
        case=redact(sub.case, "office") if sub.case is not None else None,
        result=redact(sub.result_case, "summary") if sub.result_case is not None else None,
        revoked=sub.kind == "update" and not submission_case_visible(sub),
        accept=accept, decline=decline, errors=general), status


def _load(uid: str) -> PartnerSubmission:
    sub = get_submission_or_404(uid, current_user)
    # Lock the row, then re-read it, so two reviewers cannot both decide it (PostgreSQL;
    # SQLite serialises writers).
    db.session.execute(select(PartnerSubmission.id).where(PartnerSubmission.id == sub.id)
                       .with_for_update())
    db.session.refresh(sub)
    return sub


@bp.route("/<uid>/accept", methods=["POST"])
def accept(uid: str):
    sub = _load(uid)
    form = AcceptForm().setup(sub.update_kind)
    if form.validate_on_submit():
        try:
            if sub.kind == "new_case":
                case = submissions.accept_case(sub, actor=current_actor())
            else:
                case = submissions.accept_update(sub, form.record_as.data,
                                                 actor=current_actor())
        except SubmissionInvalid as exc:
            db.session.rollback()
            return review_page(sub, accept=form, errors=exc.errors, status=422)
        db.session.commit()
        flash(_("Accepted: the case %(ref)s was updated in the register.", ref=case.reference)
              if sub.kind == "update" else
              _("Accepted: the case %(ref)s was created.", ref=case.reference), "success")
        return redirect(url_for("cases.detail", uid=case.uid))
    return review_page(sub, accept=form, status=422)


@bp.route("/<uid>/decline", methods=["POST"])
def decline(uid: str):
    sub = _load(uid)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            submissions.decline(sub, form.reason.data or "", actor=current_actor())
        except SubmissionInvalid as exc:
            db.session.rollback()
            return review_page(sub, decline=form, errors=exc.errors, status=422)
        db.session.commit()
        flash(_("The submission was declined; the organisation can read the reason."),
              "success")
        return redirect(url_for("submissions.queue"))
    return review_page(sub, decline=form, status=422)
