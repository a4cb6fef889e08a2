"""The families area (issue 17), office only: the list, a family's record, its edit form and
the follow-up queue. Records (members, cases, consents, contacts, needs, support) are in
routes_records.py, psychosocial-support series in routes_pss.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ...access import get_family_or_404, visible_families
from ...extensions import db
from ...labels import families as labels
from ...models import Case, ContactEntry, Family, FamilyCase, FamilyConflict
from ...services import audit
from ...services.families import (
    FamilyInvalid,
    create_family,
    follow_up_queue,
    record_view,
    update_family,
)
from ...services.families.common import dec
from ...services.families.contacts import overdue_family_ids
from ...services.families.read import family_label, family_view
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import FamilyForm
from .helpers import form_errors_from, governorate_choices, language, to_int

PER_PAGE = 50
MAX_PAGE = 100_000  # a larger number overflowed SQLite's OFFSET: a 500
ABROAD_FILTERS = ("", "syria", "abroad") + tuple(c for c in labels.RESIDENCE_ABROAD if c)


def _list_filters() -> dict:
    args = request.args
    abroad = args.get("abroad", "")
    return {"q": (args.get("q") or "").strip()[:40],
            "governorate": to_int(args.get("governorate")),
            "abroad": abroad if abroad in ABROAD_FILTERS else "",
            "overdue": args.get("overdue") == "1"}


@bp.route("/")
def index():
    f = _list_filters()
    stmt = visible_families(current_user).where(Family.archived_at.is_(None))
    if f["q"]:
        q = f["q"].upper()
        by_case = select(FamilyCase.family_id).join(Case, Case.id == FamilyCase.case_id).where(
            Case.reference.startswith(q, autoescape=True))
        stmt = stmt.where(or_(Family.uid.startswith(q, autoescape=True), Family.id.in_(by_case)))
    if f["governorate"]:
        stmt = stmt.where(Family.governorate_id == f["governorate"])
    if f["abroad"] == "syria":
        stmt = stmt.where(Family.residence_abroad == "")
    elif f["abroad"] == "abroad":
        stmt = stmt.where(Family.residence_abroad != "")
    elif f["abroad"]:
        stmt = stmt.where(Family.residence_abroad == f["abroad"])
    if f["overdue"]:
        stmt = stmt.where(Family.id.in_(overdue_family_ids()))
    page = db.paginate(stmt.order_by(Family.id.desc()),
                       page=max(1, min(request.args.get("page", 1, type=int) or 1, MAX_PAGE)),
                       per_page=PER_PAGE, error_out=False)
    ids = [family.id for family in page.items]
    overdue = set(db.session.scalars(overdue_family_ids().where(
        ContactEntry.family_id.in_(ids)))) if ids else set()
    rows = [(family, family_label(family), family.id in overdue) for family in page.items]
    audit.record("families_listed", current_actor(), object_type="family",
                 detail={"count": len(rows), "page": page.page})
    db.session.commit()
    return render_template("families/index.html", page=page, rows=rows, f=f,
                           governorates=governorate_choices(), lang=language(),
                           args={k: v for k, v in request.args.items() if k != "page"})


def _family_data(form: FamilyForm) -> dict:
    return {"label": form.label.data, "governorate_id": to_int(form.governorate_id.data),
            "residence_abroad": form.residence_abroad.data or "",
            "residence_note": form.residence_note.data,
            "preferred_language": form.preferred_language.data,
            "preferred_channel": form.preferred_channel.data,
            "safety_rules": form.safety_rules.data}


def _family_form(family=None) -> FamilyForm:
    form = FamilyForm()
    form.governorate_id.choices = governorate_choices()
    return form


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = _family_form()
    if form.validate_on_submit():
        made = []
        with commit_or_report(FamilyInvalid, lambda exc: form_errors_from(form, exc)) as outcome:
            made.append(create_family(_family_data(form), actor=current_actor()))
        if outcome.ok:
            flash(_("The family was recorded."), "success")
            return redirect(url_for("families.detail", uid=made[0].uid))
    return render_template("families/family_form.html", form=form, family=None), \
        422 if form.is_submitted() else 200


@bp.route("/queue")
def queue():
    who = request.args.get("who", "mine")
    who = who if who in ("mine", "all") else "mine"
    rows = follow_up_queue(current_user.id if who == "mine" else None)
    # Whoever follows up sees the family's safety rules before calling ("never leave a
    # message", "not before noon").
    shown = [(row, family_label(row.family),
              dec("families", "safety_rules_enc", row.family.safety_rules_enc)) for row in rows]
    audit.record("family_queue_viewed", current_actor(), object_type="family",
                 detail={"who": who, "count": len(rows)})
    db.session.commit()
    return render_template("families/queue.html", rows=shown, who=who)


@bp.route("/<uid>")
def detail(uid: str):
    family = get_family_or_404(uid, current_user)
    view = family_view(family)
    record_view(family, actor=current_actor())
    db.session.commit()
    return render_template("families/detail.html", v=view, family=family, lang=language())


@bp.route("/<uid>/edit", methods=["GET", "POST"])
def edit(uid: str):
    family = get_family_or_404(uid, current_user)
    form = _family_form(family)
    if not form.is_submitted():
        view = family_view(family)
        form.label.data, form.residence_note.data = view.label, view.residence_note
        form.safety_rules.data = view.safety_rules
        form.governorate_id.data = str(family.governorate_id or "")
        form.residence_abroad.data = family.residence_abroad
        form.preferred_language.data = family.preferred_language
        form.preferred_channel.data = family.preferred_channel
        form.version.data = str(family.version)
        audit.record("family_viewed", current_actor(), object_type="family",
                     object_id=family.uid, detail={"family": family.id, "form": "edit"})
        db.session.commit()
    conflict = False
    if form.validate_on_submit():
        def report(exc):
            nonlocal conflict
            if isinstance(exc, FamilyConflict):
                conflict = True
            else:
                form_errors_from(form, exc)
        with commit_or_report((FamilyInvalid, FamilyConflict), report) as outcome:
            update_family(family, _family_data(form),
                          expected_version=to_int(form.version.data) or 0,
                          actor=current_actor())
        if outcome.ok:
            flash(_("The family was saved."), "success")
            return redirect(url_for("families.detail", uid=family.uid))
        if conflict:
            family = get_family_or_404(uid, current_user)
            form.version.data = str(family.version)
            flash(_("Someone else changed this family while you were editing. Your changes "
                    "were not saved: check the record and save again."), "error")
    return render_template("families/family_form.html", form=form, family=family), \
        (409 if conflict else 422) if form.is_submitted() else 200
