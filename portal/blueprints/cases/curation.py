"""Keeping the register clean: merging duplicates, marking "not duplicates", saved filters
and the facility gazetteer."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import refdata
from ...access import get_case_or_404, redact, visible_cases
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import Case, SavedFilter
from ...search import filters as case_filters
from ...services.cases import curation, duplicates
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import FacilityForm, MergeForm, SavedFilterForm, reference_choices
from .routes import language


@bp.route("/<uid>/merge", methods=["GET", "POST"])
def merge(uid: str):
    """Merge another case (by reference) into this one, after a side-by-side check."""
    keep = get_case_or_404(uid, current_user)
    form = MergeForm(other=request.args.get("other", ""))
    other = None
    if form.other.data:
        other = db.session.scalar(visible_cases(current_user).where(
            Case.reference == form.other.data.strip().upper(), Case.id != keep.id))
        if other is None and form.is_submitted():
            form.other.errors = [*form.other.errors, _("No other case has this reference.")]
    if form.validate_on_submit() and other is not None:
        if not form.confirm.data:
            form.confirm.errors = [_("Confirm that both cases are the same person.")]
        else:
            duplicates.merge_cases(keep, other, actor=current_actor())
            db.session.commit()
            flash(_("%(other)s was merged into %(ref)s. Its history and sources are kept here.",
                    other=other.reference, ref=keep.reference), "success")
            return redirect(url_for("cases.detail", uid=keep.uid))
    status = 422 if form.is_submitted() else 200
    return render_template("cases/merge.html", form=form, keep=redact(keep, "office"),
                           other=redact(other, "office") if other else None), status


@bp.route("/<uid>/not-duplicate/<other_uid>", methods=["POST"])
def not_duplicate(uid: str, other_uid: str):
    one = get_case_or_404(uid, current_user)
    other = get_case_or_404(other_uid, current_user)
    if EmptyForm().validate_on_submit() and one.id != other.id:
        duplicates.mark_not_duplicates(one, other, actor=current_actor())
        db.session.commit()
        flash(_("Marked as different people. They will not be proposed again."), "success")
    return redirect(url_for("cases.detail", uid=one.uid))


@bp.route("/filters", methods=["POST"])
def filter_save():
    form = SavedFilterForm()
    params, errors = case_filters.parse(json.loads(form.params.data or "{}")
                                        if _json_ok(form.params.data) else {"sort": "?"})
    if form.validate_on_submit() and not errors:
        with commit_or_report(curation.FilterNameTaken, lambda exc: flash(
                _("You already have a filter with this name."), "error")) as outcome:
            curation.save_filter(current_user.id, form.name.data, params.params(),
                                 actor=current_actor())
        if outcome.ok:
            flash(_("The filter was saved."), "success")
    else:
        flash(_("Not saved: give the filter a name of at most 100 characters."), "error")
    return redirect(url_for("cases.index", **params.params()))


def _json_ok(text: str | None) -> bool:
    try:
        return isinstance(json.loads(text or "{}"), dict)
    except ValueError:
        return False


@bp.route("/filters/<uid>/delete", methods=["POST"])
def filter_delete(uid: str):
    saved = db.session.scalar(select(SavedFilter).where(SavedFilter.uid == uid,
                                                         SavedFilter.owner_id == current_user.id))
    if saved is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        curation.delete_filter(saved, actor=current_actor())
        db.session.commit()
        flash(_("The filter was deleted."), "success")
    return redirect(url_for("cases.index"))


@bp.route("/facilities")
def facilities():
    return render_template("cases/facilities.html", rows=refdata.all_rows("facilities"),
                           parties={p["id"]: p for p in refdata.all_rows("perpetrators")},
                           governorates={g["id"]: g for g in refdata.all_rows("governorates")})


@bp.route("/facilities/new", methods=["GET", "POST"])
def facility_new():
    form = FacilityForm()
    form.authority_id.choices = reference_choices("perpetrators", language())
    form.governorate_id.choices = reference_choices("governorates", language())
    if form.validate_on_submit():
        curation.add_facility({"name_en": form.name_en.data, "name_ar": form.name_ar.data,
                               "kind": form.kind.data,
                               "authority_id": form.authority_id.data or None,
                               "governorate_id": form.governorate_id.data or None},
                              actor=current_actor())
        db.session.commit()
        flash(_("The facility was added to the gazetteer."), "success")
        return redirect(url_for("cases.facilities"))
    return render_template("cases/facility_form.html", form=form), \
        422 if form.is_submitted() else 200
