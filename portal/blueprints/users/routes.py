"""Accounts: admins manage everyone; a partner_manager only colleagues of their organisation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import assignable_roles, can_manage_user
from ...extensions import db
from ...forms_common import EmptyForm
from ...labels.accounts import role_label
from ...models import Organization, Role, User
from ...services import audit
from ...services.accounts import invitations, users
from ...services.accounts.users import AccountError
from ...sessions import end_sessions
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import InviteForm, RoleForm

ERRORS = {
    "email_taken": lambda: _("An account with this e-mail address already exists."),
    "org_inactive": lambda: _("This organisation is deactivated."),
    "role_org_mismatch": lambda: _("Administrators and office staff belong to the office; "
                                   "partner roles belong to partner organisations."),
}


def get_user_or_404(user_id: int) -> User:
    """An account the current user may manage; 404 for any other."""
    user = db.session.get(User, user_id)
    if user is None or not can_manage_user(current_user, user):
        abort(404)
    return user


def _link_template() -> str:
    # A placeholder, not a secret.
    return url_for("auth.activate", token="TOKEN", _external=True)  # nosec B106


@bp.route("/")
def index():
    stmt = select(User).join(Organization).order_by(Organization.name_en, User.name)
    if current_user.role != Role.admin.value:
        stmt = stmt.where(User.organization_id == current_user.organization_id)
    return render_template("users/index.html", users=db.session.scalars(stmt).all())


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    if current_user.role == Role.admin.value:
        orgs = db.session.scalars(Organization.ordered().where(Organization.active)).all()
    else:
        orgs = [current_user.organization]
    form.organization.choices = [(o.id, o.name(get_locale().language)) for o in orgs]
    form.role.choices = [(r, role_label(r)) for r in assignable_roles(current_user)]
    if request.method == "GET" and request.args.get("org", type=int):
        form.organization.data = request.args.get("org", type=int)
    if form.validate_on_submit():
        org = db.session.get(Organization, form.organization.data)
        try:
            user = invitations.invite_user(org, email=form.email.data, name=form.name.data,
                                           role=form.role.data, locale=form.locale.data,
                                           link_template=_link_template(), actor=current_actor())
        except AccountError as exc:
            db.session.rollback()
            if exc.code == "email_taken" and current_user.role != Role.admin.value:
                # A partner manager must not learn who else has an account (any organisation):
                # the answer looks like a sent invitation; the office sees the attempt.
                audit.record("account_invite_refused", current_actor(), object_type="user",
                             outcome="denied", detail={"reason": exc.code})
                db.session.commit()
                flash(_("The invitation was sent. The link works once, for 72 hours."),
                      "success")
                return redirect(url_for("users.index"))
            field = form.email if exc.code == "email_taken" else form.role
            field.errors = [*field.errors, ERRORS[exc.code]()]
        else:
            db.session.commit()
            flash(_("The invitation was sent. The link works once, for 72 hours."), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/invite.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/<int:user_id>")
def detail(user_id: int):
    user = get_user_or_404(user_id)
    form = RoleForm(role=user.role)
    form.role.choices = [(r, role_label(r)) for r in assignable_roles(current_user)]
    return render_template("users/detail.html", user=user, role_form=form, form=EmptyForm())


@bp.route("/<int:user_id>/role", methods=["POST"])
def set_role(user_id: int):
    user = get_user_or_404(user_id)
    form = RoleForm()
    form.role.choices = [(r, role_label(r)) for r in assignable_roles(current_user)]
    if form.validate_on_submit():
        with commit_or_report(AccountError,
                              lambda exc: flash(ERRORS[exc.code](), "error")) as outcome:
            users.change_role(user, form.role.data, actor=current_actor())
        if outcome.ok:
            flash(_("The role was changed. The person's sessions were ended."), "success")
    else:
        flash(_("Not saved: choose one of the listed roles."), "error")
    return redirect(url_for("users.detail", user_id=user.id))


def _guard_self(user: User) -> bool:
    if user.id == current_user.id:
        flash(_("You cannot do this to your own account."), "error")
        return False
    return True


def _set_active(user_id: int, active: bool, message: str):
    """Deactivate an account (never one's own) or reactivate one."""
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit() and (active or _guard_self(user)):
        users.set_active(user, active, actor=current_actor())
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    return _set_active(user_id, False,
                       _("The account was deactivated and its sessions were ended."))


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int):
    return _set_active(user_id, True, _("The account was reactivated."))


@bp.route("/<int:user_id>/reset", methods=["POST"])
def reset(user_id: int):
    """Admin-mediated reset: only after checking the person through a known channel."""
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit() and _guard_self(user):
        invitations.reset_account(user, link_template=_link_template(), actor=current_actor())
        db.session.commit()
        flash(_("The account was reset. A new activation link, valid for 24 hours, was sent "
                "to the person."), "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/end-sessions", methods=["POST"])
def end_user_sessions(user_id: int):
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit():
        count = end_sessions(user_id=user.id)
        audit.record("session_ended", current_actor(), object_type="user", object_id=user.id,
                     detail={"count": count})
        db.session.commit()
        flash(_("All sessions of this account were ended."), "success")
    return redirect(url_for("users.detail", user_id=user.id))
