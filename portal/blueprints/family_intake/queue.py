"""The office's intake queue (/intake/): the reports sent through the public form. Office
roles only (the policy table; the gate's get_intake_or_404 checks again). The list shows no
submitted text; opening a report decrypts it and is audited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import get_intake_or_404, visible_intake
from ...extensions import db
from ...models import IntakeSubmission
from ...models.families import INTAKE_STATUSES
from ...services import family_intake
from ...web import current_actor
from . import bp
from .forms import DismissForm

PER_PAGE = 50


@bp.context_processor
def _labels() -> dict:
    from ...labels import family_intake as labels
    return {"intake_labels": {"kind": labels.KIND_LABELS, "status": labels.STATUS_LABELS,
                              "field": labels.FIELD_LABELS, "reason": labels.REASON_LABELS}}


@bp.route("/intake/")
def queue():
    status = request.args.get("status", "new")
    if status not in INTAKE_STATUSES:
        abort(404)
    stmt = visible_intake(current_user).where(IntakeSubmission.status == status).order_by(
        IntakeSubmission.received_at.desc(), IntakeSubmission.id.desc())
    page = db.paginate(stmt, page=max(1, request.args.get("page", 1, type=int) or 1),
                       per_page=PER_PAGE, error_out=False)
    return render_template("family_intake/queue.html", page=page, status=status,
                           counts=family_intake.counts_by_status())


@bp.route("/intake/<reference>")
def detail(reference: str):
    submission = get_intake_or_404(reference, current_user)
    payload = family_intake.read(submission, actor=current_actor())
    db.session.commit()
    return render_template("family_intake/detail.html", submission=submission,
                           payload=payload, dismiss_form=DismissForm(),
                           reason=family_intake.dismissal_reason(submission), **_link_forms())


@bp.route("/intake/<reference>/dismiss", methods=["POST"])
def dismiss(reference: str):
    submission = get_intake_or_404(reference, current_user)
    form = DismissForm()
    if not form.validate_on_submit():
        payload = family_intake.read(submission, actor=current_actor())
        db.session.commit()
        return render_template("family_intake/detail.html", submission=submission,
                               payload=payload, dismiss_form=form, reason=None,
                               **_link_forms()), 400
    if submission.status != "new":
        flash(_("This report was already dealt with."), "error")
        return redirect(url_for("family_intake.detail", reference=reference)), 409
    family_intake.dismiss(submission, form.reason.data, actor=current_actor())
    db.session.commit()
    flash(_("Report %(ref)s dismissed.", ref=submission.reference), "success")
    return redirect(url_for("family_intake.queue"))


def _link_forms() -> dict:
    return {}
