"""The office's intake queue (/intake/): the reports sent through the public form. Office
roles only (the policy table; the gate's get_intake_or_404 checks again). The list shows no
submitted text; opening a report decrypts it and is audited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import get_intake_or_404, visible_cases, visible_families, visible_intake
from ...extensions import db
from ...models import Case, Family, IntakeSubmission
from ...models.families import INTAKE_STATUSES
from ...services import family_intake
from ...web import current_actor
from . import bp
from .forms import CreateFromReportForm, DismissForm, LinkReportForm

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
    return _detail_page(submission, payload)


def _detail_page(submission, payload, status: int = 200, **forms):
    """The report with the office's three decisions (forms given keep their input)."""
    create = forms.get("create") or CreateFromReportForm(formdata=None, data={
        "label": _("Family of %(name)s", name=payload.get("missing_name", "")),
        "first_name_ar": "", "status": "missing", "add_sender": True,
        "contact_channel": "none"})
    linked_family = db.session.get(Family, submission.family_id) if submission.family_id else None
    linked_case = db.session.get(Case, submission.case_id) if submission.case_id else None
    return render_template(
        "family_intake/detail.html", submission=submission, payload=payload,
        dismiss_form=forms.get("dismiss") or DismissForm(formdata=None),
        create_form=create.setup(), link_form=forms.get("link") or LinkReportForm(formdata=None),
        reason=family_intake.dismissal_reason(submission),
        linked_family=linked_family, linked_case=linked_case), status


@bp.route("/intake/<reference>/dismiss", methods=["POST"])
def dismiss(reference: str):
    submission = get_intake_or_404(reference, current_user)
    form = DismissForm()
    if not form.validate_on_submit():
        return _refused(submission, dismiss=form)
    if submission.status != "new":
        return _already_handled(reference)
    family_intake.dismiss(submission, form.reason.data, actor=current_actor())
    db.session.commit()
    flash(_("Report %(ref)s dismissed.", ref=submission.reference), "success")
    return redirect(url_for("family_intake.queue"))



def _refused(submission, **forms):
    """The detail page again with the form's errors (400); the report is read again."""
    payload = family_intake.read(submission, actor=current_actor())
    db.session.commit()
    return _detail_page(submission, payload, 400, **forms)


def _already_handled(reference: str):
    flash(_("This report was already dealt with."), "error")
    return redirect(url_for("family_intake.detail", reference=reference)), 409


def _attach(form, errors) -> None:
    """Service errors (field, message) onto the form's fields; others onto the first."""
    names = {"first_name_ar": "first_name_ar", "family_name_ar": "family_name_ar",
             "label": "label", "name": "add_sender", "reference": "case_reference"}
    for field, message in errors:
        target = getattr(form, names.get(field, field), None) or next(iter(form))
        target.errors = list(target.errors or []) + [str(message)]


def _commit_or_attach(form, reference: str, act, ok_message):
    """Run `act`; a refusal rolls back and puts its errors on `form` (None is returned);
    otherwise commit, flash `ok_message(result)` and go back to the report."""
    try:
        result = act()
    except family_intake.IntakeInvalid as exc:
        db.session.rollback()
        _attach(form, exc.errors)
        return None
    db.session.commit()
    flash(ok_message(result), "success")
    return redirect(url_for("family_intake.detail", reference=reference))


@bp.route("/intake/<reference>/create", methods=["POST"])
def create(reference: str):
    submission = get_intake_or_404(reference, current_user)
    form = CreateFromReportForm().setup()
    if submission.status != "new":
        return _already_handled(reference)
    if form.validate_on_submit():
        payload = family_intake.payload_of(submission)
        sender = None
        if form.add_sender.data:
            sender = {"name": payload.get("sender_name") or _("Sender of report %(ref)s",
                                                              ref=submission.reference),
                      "contact": payload.get("contact", ""),
                      "contact_channel": form.contact_channel.data or "none"}
        done = _commit_or_attach(
            form, reference,
            lambda: family_intake.create_family_and_case(
                submission, case=form.case_data(), family=form.family_data(), sender=sender,
                relation=form.relation.data or "", actor=current_actor()),
            lambda made: _("Family %(family)s and case %(case)s created from report %(ref)s.",
                           family=made[0].uid, case=made[1].reference,
                           ref=submission.reference))
        if done is not None:
            return done
    return _refused(submission, create=form)


@bp.route("/intake/<reference>/link", methods=["POST"])
def link(reference: str):
    submission = get_intake_or_404(reference, current_user)
    form = LinkReportForm()
    if submission.status != "new":
        return _already_handled(reference)
    if form.validate_on_submit():
        family = db.session.scalar(visible_families(current_user).where(
            Family.uid == (form.family_uid.data or "").strip().upper()))
        case = None
        if (form.case_reference.data or "").strip():
            case = db.session.scalar(visible_cases(current_user).where(
                Case.reference == form.case_reference.data.strip().upper()))
            if case is None:
                form.case_reference.errors = [_("%(field)s: no case with this reference.",
                                                field=form.case_reference.label.text)]
        if family is None:
            form.family_uid.errors = [_("%(field)s: no family with this reference.",
                                        field=form.family_uid.label.text)]
        if family is not None and not form.case_reference.errors:
            done = _commit_or_attach(
                form, reference,
                lambda: family_intake.link_existing(submission, family, case,
                                                    actor=current_actor()),
                lambda _linked: _("Report %(ref)s linked to family %(family)s.",
                                  ref=submission.reference, family=family.uid))
            if done is not None:
                return done
    return _refused(submission, link=form)
