"""What a family record holds: members, linked cases, consents, the contact log, needs,
support and enrolment in psychosocial support. Every view loads the family through the
gate first (404), calls one service, and commits once."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ...access import contact_allowed, get_family_or_404, visible_cases
from ...extensions import db
from ...forms_common import EmptyForm
from ...labels import families as svc_labels
from ...models import CURRENCIES, Case, FamilyConflict, FamilyConsent, PssEnrolment, PssSeries
from ...models.families import FAMILY_RELATIONS
from ...services import audit
from ...services import families as svc
from ...services.families.read import family_view
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import (
    ConsentForm,
    ContactForm,
    DeclineForm,
    DeliverForm,
    EnrolForm,
    LinkCaseForm,
    MemberForm,
    NeedForm,
    NeedStatusForm,
    SupportForm,
)
from .helpers import (
    back,
    child_or_404,
    flash_errors,
    form_errors_from,
    language,
    office_staff_choices,
    organization_choices,
    to_int,
)


def _audit_form_view(family) -> None:
    """A family form page shows the family's data (members' names and contacts, its needs):
    a read, audited and committed like the family page (after a refused POST's rollback)."""
    svc.record_view(family, actor=current_actor(), form=request.endpoint)
    db.session.commit()


def _form_page(family, form, title, fields, *, status_ok=200, extra=None, dirs=None):
    """The shared form page: the family's reference, the fields in order, save/cancel."""
    _audit_form_view(family)
    return render_template("families/form.html", family=family, form=form, title=title,
                           fields=fields, extra=extra, dirs=dirs or {}), \
        getattr(form, "refusal_status", 422) if form.is_submitted() else status_ok


def _run(form, family, service, ok_message, anchor):
    """Validate the CSRF token, run `service` (a thunk), commit, flash, back to the family;
    on refusal, None (the form shows the errors, nothing was written)."""
    if not form.validate_on_submit():
        return None

    def report(exc):
        if isinstance(exc, FamilyConflict):
            form.refusal_status = 409
            flash(_("Someone else changed this family while you were editing. Your changes "
                    "were not saved: check the record and save again."), "error")
            if hasattr(form, "version"):
                form.version.data = str(get_family_or_404(family.uid, current_user).version)
            return
        form.refusal_status = exc.status
        form_errors_from(form, exc)
    with commit_or_report((svc.FamilyInvalid, FamilyConflict), report) as outcome:
        service()
    if outcome.ok:
        flash(ok_message, "success")
        return back(family, anchor)
    return None


def _post_action(family, service, ok_message, anchor, form=None):
    """A POST-only button: CSRF, the service, commit, back to the family. A refusal rolls
    back, is audited as denied, and answers the family page with the message and an honest
    status (422, 409, 403 for four eyes), not a redirect."""
    if not (form or EmptyForm()).validate_on_submit():
        flash(_("The form had expired. Nothing was saved. Please try again."), "error")
        return back(family, anchor)
    refused = []
    with commit_or_report(svc.FamilyInvalid, refused.append) as outcome:
        service()
    if outcome.ok:
        flash(ok_message, "success")
        return back(family, anchor)
    exc = refused[0]
    flash_errors(exc)
    audit.record("family_action_refused", current_actor(), object_type="family",
                 object_id=family.uid, outcome="denied",
                 detail={"family": family.id, "endpoint": request.endpoint,
                         "fields": [name for name, _message in exc.errors]})
    view = family_view(family)
    svc.record_view(family, actor=current_actor())
    db.session.commit()
    return render_template("families/detail.html", v=view, family=family,
                           lang=language()), exc.status


# --- members ---------------------------------------------------------------------------
def _relations(family) -> dict:
    return {lk.case_id: request.form.get(f"relation_{lk.case_id}", "")
            for lk in family.case_links}


def _member_page(uid: str, member_id: int | None):
    family = get_family_or_404(uid, current_user)
    member = child_or_404(family.members, member_id) if member_id else None
    form = MemberForm()
    view = family_view(family)
    current = next((m for m in view.members if member and m.id == member.id), None)
    if current is not None and not form.is_submitted():
        form.name.data, form.contact.data = current.name, current.contact
        form.contact_channel.data, form.is_main_contact.data = (current.contact_channel,
                                                                 current.is_main_contact)
    if not form.is_submitted():
        form.version.data = str(family.version)

    def save():
        data = {"name": form.name.data, "contact": form.contact.data,
                "contact_channel": form.contact_channel.data,
                "is_main_contact": form.is_main_contact.data, "relations": _relations(family)}
        if member is None:
            svc.add_member(family, data, actor=current_actor())
        else:
            svc.update_member(family, member, data, actor=current_actor(),
                              expected_version=to_int(form.version.data) or 0)
    done = _run(form, family, save, _("The family member was saved."), "members")
    if done:
        return done
    chosen = _relations(family) if form.is_submitted() else (current.relations if current
                                                             else {})
    relation_rows = [(case, chosen.get(case.id, "")) for case in view.cases]
    _audit_form_view(family)
    return render_template("families/member_form.html", family=family, form=form,
                           member=member, relation_rows=relation_rows,
                           relations=FAMILY_RELATIONS, lang=language()), \
        getattr(form, "refusal_status", 422) if form.is_submitted() else 200


@bp.route("/<uid>/members/new", methods=["GET", "POST"])
def member_new(uid: str):
    return _member_page(uid, None)


@bp.route("/<uid>/members/<int:member_id>", methods=["GET", "POST"])
def member_edit(uid: str, member_id: int):
    return _member_page(uid, member_id)


@bp.route("/<uid>/members/<int:member_id>/remove", methods=["POST"])
def member_remove(uid: str, member_id: int):
    family = get_family_or_404(uid, current_user)
    member = child_or_404(family.members, member_id)
    return _post_action(family, lambda: svc.remove_member(family, member,
                                                          actor=current_actor()),
                        _("The family member was removed."), "members")


# --- cases -----------------------------------------------------------------------------
NO_CASE = _l("No case has this reference.")


@bp.route("/<uid>/cases/link", methods=["GET", "POST"])
def case_link(uid: str):
    family = get_family_or_404(uid, current_user)
    form = LinkCaseForm()

    def link():
        reference = (form.reference.data or "").strip().upper()
        case = db.session.scalar(visible_cases(current_user).where(
            Case.reference == reference)) if 0 < len(reference) <= 20 else None
        if case is None:
            raise svc.FamilyInvalid([("reference", NO_CASE)])
        svc.link_case(family, case, actor=current_actor())
    done = _run(form, family, link, _("The case was linked to the family."), "cases")
    return done or _form_page(family, form, _("Link a case"), ["reference"],
                              dirs={"reference": "ltr"})


@bp.route("/<uid>/cases/<case_uid>/unlink", methods=["POST"])
def case_unlink(uid: str, case_uid: str):
    family = get_family_or_404(uid, current_user)
    link = next((lk for lk in family.case_links if lk.case.uid == case_uid), None)
    if link is None:
        abort(404)
    case = link.case
    return _post_action(family, lambda: svc.unlink_case(family, case, actor=current_actor()),
                        _("The case was unlinked from the family."), "cases")


# --- consents --------------------------------------------------------------------------
@bp.route("/<uid>/consents/new", methods=["GET", "POST"])
def consent_new(uid: str):
    family = get_family_or_404(uid, current_user)
    form = ConsentForm()
    form.organization_id.choices = organization_choices(partners_only=True)
    form.case_id.choices = [("", _("— choose —"))] + [
        (str(lk.case_id), lk.case.reference) for lk in family.case_links]

    def save():
        svc.record_consent(family, {
            "kind": form.kind.data, "organization_id": to_int(form.organization_id.data),
            "case_id": to_int(form.case_id.data), "method": form.method.data,
            "given_on": form.given_on.data, "note": form.note.data}, actor=current_actor())
    done = _run(form, family, save, _("The consent was recorded."), "consents")
    return done or _form_page(family, form, _("Record a consent"),
                              ["kind", "organization_id", "case_id", "method", "given_on",
                               "note"], dirs={"given_on": "ltr"})


@bp.route("/<uid>/consents/<int:consent_id>/withdraw", methods=["POST"])
def consent_withdraw(uid: str, consent_id: int):
    family = get_family_or_404(uid, current_user)
    consent: FamilyConsent = child_or_404(family.consents, consent_id)
    return _post_action(family, lambda: svc.withdraw_consent(consent, actor=current_actor()),
                        _("The consent was withdrawn. It takes effect now."), "consents")


# --- contact log -----------------------------------------------------------------------
@bp.route("/<uid>/contacts/new", methods=["GET", "POST"])
def contact_new(uid: str):
    family = get_family_or_404(uid, current_user)
    form = ContactForm()
    form.staff_id.choices = office_staff_choices()
    if not form.is_submitted():
        form.staff_id.data = str(current_user.id)

    def save():
        svc.log_contact(family, {
            "kind": form.kind.data, "happened_on": form.happened_on.data,
            "staff_id": to_int(form.staff_id.data), "note": form.note.data,
            "follow_up_on": form.follow_up_on.data}, actor=current_actor())
    done = _run(form, family, save, _("The contact was logged."), "contacts")
    warning = None if contact_allowed(family.id) else _(
        "The family has not consented to be contacted (or withdrew it): only a meeting "
        "they asked for can be logged, without a follow-up.")
    return done or _form_page(family, form, _("Log a visit, call, meeting or message"),
                              ["kind", "happened_on", "staff_id", "note", "follow_up_on"],
                              extra=warning, dirs={"happened_on": "ltr", "follow_up_on": "ltr"})


@bp.route("/<uid>/contacts/<int:entry_id>/done", methods=["POST"])
def follow_up_done(uid: str, entry_id: int):
    family = get_family_or_404(uid, current_user)
    entry = child_or_404(family.contacts, entry_id)
    return _post_action(family, lambda: svc.complete_follow_up(family, entry,
                                                               actor=current_actor()),
                        _("The follow-up was marked as done."), "contacts")


# --- needs -----------------------------------------------------------------------------
def _member_choices(family) -> list:
    view = family_view(family)
    return [("", _("— the whole family —"))] + [(str(m.id), m.name) for m in view.members]


@bp.route("/<uid>/needs/new", methods=["GET", "POST"])
def need_new(uid: str):
    family = get_family_or_404(uid, current_user)
    form = NeedForm()
    form.member_id.choices = _member_choices(family)

    def save():
        svc.add_need(family, {"category": form.category.data,
                              "member_id": to_int(form.member_id.data),
                              "assessed_on": form.assessed_on.data,
                              "detail": form.detail.data}, actor=current_actor())
    done = _run(form, family, save, _("The need was recorded."), "needs")
    return done or _form_page(family, form, _("Assess a need"),
                              ["category", "member_id", "assessed_on", "detail"],
                              dirs={"assessed_on": "ltr"})


@bp.route("/<uid>/needs/<int:need_id>/status", methods=["POST"])
def need_status(uid: str, need_id: int):
    family = get_family_or_404(uid, current_user)
    need = child_or_404(family.needs, need_id)
    form = NeedStatusForm()
    return _post_action(family, lambda: svc.set_need_status(family, need, form.status.data,
                                                            actor=current_actor()),
                        _("The need was updated."), "needs", form=form)


# --- support ---------------------------------------------------------------------------
@bp.route("/<uid>/support/new", methods=["GET", "POST"])
def support_new(uid: str):
    family = get_family_or_404(uid, current_user)
    form = SupportForm()
    form.provider_org_id.choices = organization_choices()
    form.currency.choices = [("", _("— choose —"))] + [
        (c, str(svc_labels.CURRENCY[c])) for c in CURRENCIES]
    view = family_view(family)
    form.need_id.choices = [("", _("— none —"))] + [
        (str(n.id), f"{n.id}: {svc_labels.need_category_label(n.category)}")
        for n, _detail in view.needs]

    def save():
        svc.request_support(family, {
            "category": form.category.data, "form": form.form.data,
            "amount": form.amount.data, "currency": form.currency.data or None,
            "provider_org_id": to_int(form.provider_org_id.data),
            "need_id": to_int(form.need_id.data), "description": form.description.data},
            actor=current_actor())
    done = _run(form, family, save, _("The support was requested."), "support")
    return done or _form_page(family, form, _("Request support"),
                              ["category", "form", "amount", "currency", "provider_org_id",
                               "need_id", "description"], dirs={"amount": "ltr"})


@bp.route("/<uid>/support/<int:item_id>/approve", methods=["POST"])
def support_approve(uid: str, item_id: int):
    family = get_family_or_404(uid, current_user)
    item = child_or_404(family.support, item_id)
    return _post_action(family, lambda: svc.approve_support(family, item,
                                                            actor=current_actor()),
                        _("The support was approved."), "support")


@bp.route("/<uid>/support/<int:item_id>/decline", methods=["GET", "POST"])
def support_decline(uid: str, item_id: int):
    return _support_step(uid, item_id, DeclineForm, svc.decline_support, "reason",
                         _("The support was declined."), _("Decline support"))


@bp.route("/<uid>/support/<int:item_id>/deliver", methods=["GET", "POST"])
def support_deliver(uid: str, item_id: int):
    return _support_step(uid, item_id, DeliverForm, svc.deliver_support, "delivered_on",
                         _("The support was recorded as delivered."), _("Record delivery"),
                         dirs={"delivered_on": "ltr"})


def _support_step(uid, item_id, form_class, step, field, ok_message, title, dirs=None):
    """A one-field step on a support item (decline, deliver): `step(family, item, value)`
    runs on a valid POST; otherwise the one-field form is shown."""
    family = get_family_or_404(uid, current_user)
    item = child_or_404(family.support, item_id)
    form = form_class()
    done = _run(form, family, lambda: step(family, item, getattr(form, field).data,
                                           actor=current_actor()),
                ok_message, "support")
    return done or _form_page(family, form, title, [field], dirs=dirs)


# --- psychosocial support ---------------------------------------------------------------
@bp.route("/<uid>/pss/enrol", methods=["GET", "POST"])
def pss_enrol(uid: str):
    family = get_family_or_404(uid, current_user)
    form = EnrolForm()
    lang = language()
    form.series_id.choices = [("", _("— choose —"))] + [
        (str(s.id), s.title(lang)) for s in db.session.scalars(
            select(PssSeries).order_by(PssSeries.id.desc()))]
    form.member_id.choices = _member_choices(family)[1:]

    def save():
        series = db.session.get(PssSeries, to_int(form.series_id.data) or 0)
        member = next((m for m in family.members if m.id == to_int(form.member_id.data)),
                      None)
        errors = ([("series_id", _l("Not a valid choice."))] if series is None else []) + \
            ([("member_id", _l("Not a valid choice."))] if member is None else [])
        if errors:
            raise svc.FamilyInvalid(errors)
        svc.enrol_member(series, member, actor=current_actor())
    done = _run(form, family, save, _("The family member was enrolled."), "pss")
    return done or _form_page(family, form, _("Enrol in psychosocial support"),
                              ["series_id", "member_id"])


@bp.route("/<uid>/pss/<int:enrolment_id>/complete", methods=["POST"])
def pss_complete(uid: str, enrolment_id: int):
    family = get_family_or_404(uid, current_user)
    enrolment = db.session.get(PssEnrolment, enrolment_id) if enrolment_id < 2**31 else None
    if enrolment is None or enrolment.member.family_id != family.id:
        abort(404)
    return _post_action(family, lambda: svc.complete_enrolment(enrolment,
                                                               actor=current_actor()),
                        _("The course was marked as completed."), "pss")
