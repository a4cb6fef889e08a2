"""API tokens of partner organisations (issue 16) and the API's reference page.

A partner_manager manages their organisation's tokens; office staff those of every partner.
A new token's text is shown once, in the answer to the form, and never stored."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import ApiToken, Organization, utcnow
from ...services.api import tokens
from ...web import current_actor
from . import bp
from .forms import EmptyForm, TokenForm, scope_labels


def _organizations():
    if current_user.is_office:
        return list(db.session.scalars(select(Organization).where(
            Organization.kind != "office", Organization.active.is_(True))
            .order_by(Organization.name_en)))
    return [current_user.organization]


def get_token_or_404(token_id: int) -> ApiToken:
    """A token the current user may manage; 404 alike for missing and another's."""
    if not 0 < token_id < 2**31:
        abort(404)
    return db.one_or_404(tokens.tokens_for(current_user).where(ApiToken.id == token_id))


@bp.route("/")
def index():
    rows = list(db.session.scalars(tokens.tokens_for(current_user).limit(500)))
    return render_template("api_tokens/index.html", tokens=rows, now=utcnow(),
                           scope_labels=scope_labels(), form=EmptyForm())


@bp.route("/new", methods=["GET", "POST"])
def create():
    orgs = _organizations()
    form = TokenForm().setup(orgs)
    if not current_user.is_office:
        form.organization.data = current_user.organization_id
    if form.validate_on_submit():
        org = next((o for o in orgs if o.id == form.organization.data), None)
        try:
            token, text = tokens.create_token(org, name=form.name.data, scopes=form.scopes.data,
                                              days=form.days.data, user=current_user,
                                              actor=current_actor())
        except tokens.TokenInvalid as exc:
            db.session.rollback()
            for name, message in exc.errors:
                getattr(form, name, form.name).errors.append(message)
        else:
            db.session.commit()
            # Shown once: in this answer only (not flashed, not kept in the session).
            return render_template("api_tokens/created.html", token=token, text=text,
                                   scope_labels=scope_labels())
    return render_template("api_tokens/new.html", form=form), 422 if form.is_submitted() \
        else 200


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    token = get_token_or_404(token_id)
    if EmptyForm().validate_on_submit():
        tokens.revoke_token(token, actor=current_actor())
        db.session.commit()
        flash(_("The token was revoked: it no longer works."), "success")
    return redirect(url_for("api_tokens.index"))


@bp.route("/docs")
def docs():
    from ..api_v1.openapi import OPERATIONS, document
    doc = document()
    return render_template("api_tokens/docs.html", doc=doc, operations=OPERATIONS,
                           base=request.host_url.rstrip("/") + "/api/v1")
