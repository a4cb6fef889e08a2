"""Editing what supports a case: custody timeline entries, sources with their consent, and
mechanism submissions. Every view loads the case through the gate (404) first."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import crypto
from ...access import get_case_or_404, redact
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import Organization
from ...services.cases import records as case_records
from ...services.cases.register import CaseInvalid
from ...services.cases.rules import check_date
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import EntryForm, SourceForm, SubmissionForm, reference_choices
from .routes import form_errors_from, language


def _child(collection, child_id: int):
    found = next((c for c in collection if c.id == child_id), None)
    if found is None:
        abort(404)
    return found


def _back(case):
    return redirect(url_for("cases.detail", uid=case.uid))


# --- timeline -------------------------------------------------------------------------
def _entry_form(case, entry=None) -> EntryForm:
    form = EntryForm(obj=entry)
    lang = language()
    form.facility_id.choices = reference_choices("facilities", lang)
    form.perpetrator_id.choices = reference_choices("perpetrators", lang)
    form.source_id.choices = [(0, _("— none —"))] + [
        (s.id, f"{s.id}: {s.relation or s.kind}") for s in case.sources]
    if entry is not None and not form.is_submitted():
        for name in ("facility_id", "perpetrator_id", "source_id"):
            getattr(form, name).data = getattr(entry, name) or 0
    return form


def _entry_data(form: EntryForm) -> dict:
    return {"kind": form.kind.data, "date": (form.date.data or "").strip(),
            "estimated": form.estimated.data, "place": (form.place.data or "").strip(),
            "facility_id": form.facility_id.data or None,
            "perpetrator_id": form.perpetrator_id.data or None, "unit": (form.unit.data or "").strip(),
            "source_id": form.source_id.data or None}


def _save_entry(uid: str, entry_id: int | None):
    case = get_case_or_404(uid, current_user)
    entry = _child(case.timeline, entry_id) if entry_id else None
    form = _entry_form(case, entry)
    if form.validate_on_submit():
        with commit_or_report(CaseInvalid, lambda exc: form_errors_from(form, exc)) as outcome:
            case_records.save_entry(case, _entry_data(form), actor=current_actor(), entry=entry)
        if outcome.ok:
            flash(_("The timeline was saved."), "success")
            return _back(case)
    return render_template("cases/entry_form.html", form=form, case=redact(case, "summary"),
                           entry=entry), 422 if form.is_submitted() else 200


@bp.route("/<uid>/timeline/new", methods=["GET", "POST"])
def entry_new(uid: str):
    return _save_entry(uid, None)


@bp.route("/<uid>/timeline/<int:entry_id>", methods=["GET", "POST"])
def entry_edit(uid: str, entry_id: int):
    return _save_entry(uid, entry_id)


@bp.route("/<uid>/timeline/<int:entry_id>/delete", methods=["POST"])
def entry_delete(uid: str, entry_id: int):
    case = get_case_or_404(uid, current_user)
    entry = _child(case.timeline, entry_id)
    if EmptyForm().validate_on_submit():
        case_records.delete_entry(case, entry, actor=current_actor())
        db.session.commit()
        flash(_("The timeline entry was removed."), "success")
    return _back(case)


# --- sources ----------------------------------------------------------------------------
def _source_form(source=None) -> SourceForm:
    form = SourceForm(obj=source)
    orgs = db.session.scalars(Organization.ordered().where(Organization.kind != "office")).all()
    lang = language()
    form.allowed_orgs.choices = form.refused_orgs.choices = [(o.id, o.name(lang)) for o in orgs]
    if source is not None and not form.is_submitted():
        form.informant.data = (crypto.decrypt(source.informant_enc, context=b"informant")
                               if source.informant_enc else "")
        form.contact.data = (crypto.decrypt(source.contact_enc, context=b"contact")
                             if source.contact_enc else "")
        form.allowed_orgs.data, form.refused_orgs.data = source.orgs(True), source.orgs(False)
    return form


def _source_data(form: SourceForm) -> dict:
    data = {name: getattr(form, name).data for name in (
        "kind", "relation", "informant", "contact", "contact_channel", "interview_date",
        "interviewer", "reliability", "consent_level", "allowed_orgs", "refused_orgs",
        "identification_referral", "consent_date", "consent_method")}
    for name in ("relation", "interviewer", "interview_date", "consent_date"):
        data[name] = (data[name] or "").strip()
    return data


def _save_source(uid: str, source_id: int | None):
    case = get_case_or_404(uid, current_user)
    source = _child(case.sources, source_id) if source_id else None
    form = _source_form(source)
    if form.validate_on_submit():
        with commit_or_report(CaseInvalid, lambda exc: form_errors_from(form, exc)) as outcome:
            case_records.save_source(case, _source_data(form), actor=current_actor(),
                                     source=source)
        if outcome.ok:
            flash(_("The source was saved. Contact details are stored encrypted."), "success")
            return _back(case)
    return render_template("cases/source_form.html", form=form, case=redact(case, "summary"),
                           source=source), 422 if form.is_submitted() else 200


@bp.route("/<uid>/sources/new", methods=["GET", "POST"])
def source_new(uid: str):
    return _save_source(uid, None)


@bp.route("/<uid>/sources/<int:source_id>", methods=["GET", "POST"])
def source_edit(uid: str, source_id: int):
    return _save_source(uid, source_id)


@bp.route("/<uid>/sources/<int:source_id>/delete", methods=["POST"])
def source_delete(uid: str, source_id: int):
    case = get_case_or_404(uid, current_user)
    source = _child(case.sources, source_id)
    if EmptyForm().validate_on_submit():
        case_records.delete_source(case, source, actor=current_actor())
        db.session.commit()
        flash(_("The source was removed."), "success")
    return _back(case)


# --- submissions --------------------------------------------------------------------------
def _save_submission(uid: str, submission_id: int | None):
    case = get_case_or_404(uid, current_user)
    submission = _child(case.submissions, submission_id) if submission_id else None
    form = SubmissionForm(obj=submission)
    if form.validate_on_submit():
        data = {name: (getattr(form, name).data or "").strip()
                for name in ("body", "date", "reference", "answer")}
        data["date"] = check_date(data["date"])[0] or data["date"]
        with commit_or_report(CaseInvalid, lambda exc: form_errors_from(form, exc)) as outcome:
            case_records.save_submission(case, data, actor=current_actor(),
                                         submission=submission)
        if outcome.ok:
            flash(_("The submission was saved."), "success")
            return _back(case)
    return render_template("cases/submission_form.html", form=form,
                           case=redact(case, "summary"), submission=submission
                           ), 422 if form.is_submitted() else 200


@bp.route("/<uid>/submissions/new", methods=["GET", "POST"])
def submission_new(uid: str):
    return _save_submission(uid, None)


@bp.route("/<uid>/submissions/<int:submission_id>", methods=["GET", "POST"])
def submission_edit(uid: str, submission_id: int):
    return _save_submission(uid, submission_id)


@bp.route("/<uid>/submissions/<int:submission_id>/delete", methods=["POST"])
def submission_delete(uid: str, submission_id: int):
    case = get_case_or_404(uid, current_user)
    submission = _child(case.submissions, submission_id)
    if EmptyForm().validate_on_submit():
        case_records.delete_submission(case, submission, actor=current_actor())
        db.session.commit()
        flash(_("The submission was removed."), "success")
    return _back(case)
