"""The register: list and search, a case's page, creating and editing, deleting and
restoring. Timeline, sources and submissions are in records.py; import and export in
transfer.py; merges, saved filters and facilities in curation.py (split by concern to keep
each module readable)."""

from __future__ import annotations

import json

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import refdata
from ...access import (
    can_reach,
    case_audience,
    deleted_cases,
    effective_tier,
    get_case_or_404,
    list_scope,
    redact,
)
from ...database import reads_only
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import Case, CaseConflict, Role, SavedFilter
from ...search import filters as case_filters
from ...services.cases import register as case_service
from ...services.cases.duplicates import duplicates_of, find_duplicates
from ...services.cases.register import CaseInvalid
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import CaseForm, NewCaseForm

PER_PAGE = 50


def language() -> str:
    return get_locale().language


def filter_choices() -> dict:
    """Reference rows for the filter form."""
    return {name: refdata.all_rows(name) for name in ("governorates", "perpetrators",
                                                       "facilities")}


def form_errors_from(form, exc: CaseInvalid) -> None:
    """Attach a service's (field, message) errors to the form's fields."""
    for name, message in exc.errors:
        field = getattr(form, name, None) or getattr(form, f"{name}_id", None) \
            or getattr(form, "first_name_ar")
        field.errors = [*field.errors, message]


@bp.route("/")
@reads_only
def index():
    f, errors = case_filters.parse(request.args)
    page = request.args.get("page", 1, type=int) or 1
    result, rows = None, []
    if not errors:
        scope = list_scope(current_user, f)
        result = scope.page(page, PER_PAGE)
        rows = [redact(c, result.tiers[c.id], brief=True) for c in result.items
                if c.id in result.tiers]
    saved = db.session.scalars(select(SavedFilter).where(SavedFilter.owner_id == current_user.id)
                               .order_by(SavedFilter.name)).all() if can_reach(
        "cases.filter_save") else []  # the template shows them only to those who may save
    return render_template("cases/index.html", f=f, errors=errors, page=result, rows=rows,
                           saved=saved, choices=filter_choices(), saved_params=saved_params,
                           params=f.params()), 400 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = NewCaseForm().setup(language())
    duplicates = []
    if form.validate_on_submit():
        data = form.data_dict()
        duplicates = find_duplicates(data)
        if not duplicates or form.confirmed.data == "yes":
            with commit_or_report(CaseInvalid, lambda exc: form_errors_from(form, exc)) as outcome:
                case = case_service.create_case(data, actor=current_actor(), arrest=form.arrest())
            if outcome.ok:
                flash(_("The case %(ref)s was created.", ref=case.reference), "success")
                return redirect(url_for("cases.detail", uid=case.uid))
        db.session.rollback()
    if duplicates:  # the next submit confirms it is a different person (form.hidden_tag())
        form.confirmed.data = "yes"
    status = 422 if form.is_submitted() and (form.errors or duplicates) else 200
    return render_template("cases/form.html", form=form, case=None, duplicates=duplicates,
                           rows={d.case.id: redact(d.case, "summary") for d in duplicates}
                           ), status


@bp.route("/<uid>")
@reads_only  # read and rendered without SQLite's write lock; the audit entry takes it briefly
def detail(uid: str):
    case = get_case_or_404(uid, current_user, include_deleted=True)
    tier = effective_tier(current_user, case)
    if tier is None:  # a deleted case (only admins reach it here), or access just ended
        if not (case.is_deleted and current_user.role == Role.admin.value):
            abort(404)
        tier = "office"
    data = redact(case, tier)
    deleted = case.is_deleted
    office = tier == "office" and not deleted
    dups = duplicates_of(case) if office else []
    dup_rows = [redact(d.case, "summary") for d in dups]
    audience = case_audience(case) if office else []  # who else sees it (staff only)
    page = render_template("cases/detail.html", case=data, deleted=deleted,
                           duplicates=[d.reasons for d in dups], dup_rows=dup_rows,
                           form=EmptyForm(), audience=audience)
    # No entry, no page: the page was built from one read snapshot, and it is returned only
    # once its audit entry is committed, in a short write transaction of its own (on SQLite
    # the write lock is held for the insert and the commit, not for the reads and the
    # render). If the entry cannot be written, the request fails and the page is dropped.
    case_service.record_view(case, actor=current_actor(), tier=tier)
    db.session.commit()
    return page


@bp.route("/<uid>/json")
def detail_json(uid: str):
    case = get_case_or_404(uid, current_user)
    tier = effective_tier(current_user, case)
    if tier is None:  # access ended between the two queries
        abort(404)
    case_service.record_view(case, actor=current_actor(), tier=tier)
    db.session.commit()
    return jsonify(redact(case, tier))


def _edit_form(case: Case, formdata=None) -> CaseForm:
    form = CaseForm(formdata=formdata, obj=None if formdata else case,
                    version=case.version).setup(language())
    if formdata is None:
        form.aliases.data = "\n".join(case.alias_list)
        form.tags.data = ", ".join(case.tags)
        form.governorate_id.data = case.governorate_id or 0
        form.district_id.data = case.district_id or 0
    return form


@bp.route("/<uid>/edit", methods=["GET", "POST"])
def edit(uid: str):
    case = get_case_or_404(uid, current_user)
    form = _edit_form(case, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        data = form.data_dict()
        try:
            with commit_or_report(CaseInvalid, lambda exc: form_errors_from(form, exc)) as outcome:
                case_service.update_case(case, data, actor=current_actor(),
                                         expected_version=int(form.version.data or 0))
        except CaseConflict as exc:
            db.session.rollback()
            return render_template("cases/conflict.html", case=redact(exc.case, "office"),
                                   changed=exc.changed, mine=data, saved=exc.case,
                                   form=form), 409
        if outcome.ok:
            flash(_("The case was saved."), "success")
            return redirect(url_for("cases.detail", uid=case.uid))
    return render_template("cases/form.html", form=form, case=redact(case, "summary"),
                           duplicates=[], rows={}), 422 if form.is_submitted() else 200


@bp.route("/<uid>/delete", methods=["POST"])
def delete(uid: str):
    case = get_case_or_404(uid, current_user)
    if EmptyForm().validate_on_submit():
        case_service.delete_case(case, actor=current_actor())
        db.session.commit()
        flash(_("The case was deleted. An administrator can restore it."), "success")
        return redirect(url_for("cases.index"))
    return redirect(url_for("cases.detail", uid=case.uid))


@bp.route("/<uid>/restore", methods=["POST"])
def restore(uid: str):
    case = get_case_or_404(uid, current_user, include_deleted=True)
    if not case.is_deleted or current_user.role != Role.admin.value:
        abort(404)
    if EmptyForm().validate_on_submit():
        case_service.restore_case(case, actor=current_actor())
        db.session.commit()
        flash(_("The case was restored."), "success")
    return redirect(url_for("cases.detail", uid=case.uid))


@bp.route("/deleted")
def deleted():
    cases = db.session.scalars(deleted_cases(current_user).order_by(Case.deleted_at.desc())
                               .limit(200)).all()
    return render_template("cases/deleted.html", cases=cases,
                           rows={c.id: redact(c, "summary") for c in cases}, form=EmptyForm())


def saved_params(saved: SavedFilter) -> dict:
    return json.loads(saved.params or "{}")
