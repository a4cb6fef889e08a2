"""Organisations: admins only (policy: portal/policy/organizations.yaml)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ...extensions import db
from ...forms_common import EmptyForm
from ...models import Organization, User
from ...services import audit
from ...services.accounts.organizations import (
    create_organization,
    set_organization_active,
    update_organization,
)
from ...sessions import end_sessions
from ...web import current_actor
from . import bp
from .forms import OrganizationForm


def _form_data(form: OrganizationForm) -> dict:
    return {"name_en": form.name_en.data.strip(), "name_ar": form.name_ar.data.strip(),
            "kind": form.kind.data, "country": (form.country.data or "").upper()}


@bp.route("/")
def index():
    counts = dict(db.session.execute(select(User.organization_id, func.count(User.id))
                                     .group_by(User.organization_id)).all())
    orgs = db.session.scalars(Organization.ordered()).all()
    return render_template("organizations/index.html", orgs=orgs, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = OrganizationForm()
    if form.validate_on_submit():
        org = create_organization(_form_data(form), actor=current_actor())
        db.session.commit()
        flash(_("The organisation was added."), "success")
        return redirect(url_for("organizations.detail", org_id=org.id))
    return render_template("organizations/form.html", form=form, org=None), \
        422 if form.is_submitted() else 200


@bp.route("/<int:org_id>")
def detail(org_id: int):
    org = db.get_or_404(Organization, org_id)
    users = db.session.scalars(select(User).where(User.organization_id == org.id)
                               .order_by(User.name)).all()
    return render_template("organizations/detail.html", org=org, users=users, form=EmptyForm())


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
def edit(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        update_organization(org, _form_data(form), actor=current_actor())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("organizations.detail", org_id=org.id))
    return render_template("organizations/form.html", form=form, org=org), \
        422 if form.is_submitted() else 200


@bp.route("/<int:org_id>/deactivate", methods=["POST"])
def deactivate(org_id: int):
    org = db.get_or_404(Organization, org_id)
    if EmptyForm().validate_on_submit():
        if org.is_office:
            flash(_("The office itself cannot be deactivated."), "error")
        else:
            set_organization_active(org, False, actor=current_actor())
            db.session.commit()
            flash(_("The organisation was deactivated and its sessions were ended."), "success")
    return redirect(url_for("organizations.detail", org_id=org.id))


@bp.route("/<int:org_id>/reactivate", methods=["POST"])
def reactivate(org_id: int):
    org = db.get_or_404(Organization, org_id)
    if EmptyForm().validate_on_submit():
        set_organization_active(org, True, actor=current_actor())
        db.session.commit()
        flash(_("The organisation was reactivated."), "success")
    return redirect(url_for("organizations.detail", org_id=org.id))


@bp.route("/<int:org_id>/end-sessions", methods=["POST"])
def end_org_sessions(org_id: int):
    org = db.get_or_404(Organization, org_id)
    if EmptyForm().validate_on_submit():
        count = end_sessions(org_id=org.id)
        audit.record("session_ended", current_actor(), object_type="organization",
                     object_id=org.id, detail={"count": count})
        db.session.commit()
        flash(_("All sessions of this organisation were ended."), "success")
    return redirect(url_for("organizations.detail", org_id=org.id))
