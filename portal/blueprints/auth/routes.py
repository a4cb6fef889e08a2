"""Sign-in, sign-out and account activation."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ... import crypto
from ...extensions import db, limiter
from ...services import audit
from ...services.accounts import authentication, credentials, invitations
from ...services.accounts.authentication import SignIn
from ...services.accounts.users import AccountError
from ...web import current_actor
from . import bp
from .forms import ActivationForm, LoginForm
from .signin import start_session, stash_recovery_codes


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and session.get("auth") == "full":
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authentication.sign_in(form.email.data, form.password.data, form.code.data or "",
                                        actor=current_actor())
        if result.outcome in (SignIn.ok, SignIn.enrol):
            authentication.rehash_if_needed(result.user, form.password.data)
            start_session(result.user, "full" if result.outcome is SignIn.ok else "enrol")
            db.session.commit()
            if result.outcome is SignIn.enrol:
                return redirect(url_for("account.enrol"))
            return redirect(url_for("main.index"))
        db.session.commit()  # the failure count and its audit entry
        if result.outcome is SignIn.locked:
            response = render_template("auth/login.html", form=form, error=_(
                "Too many attempts. Please wait a few minutes and try again.")), 429
            return response[0], 429, {"Retry-After": str(result.retry_after)}
        form.password.data = form.code.data = ""
        return render_template("auth/login.html", form=form, error=_(
            "The e-mail, password or code is not correct.")), 422
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record("authn_logout", current_actor(), object_type="user",
                     object_id=current_user.id)
        db.session.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def activate(token: str):
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return render_template("auth/link_invalid.html"), 404
    user = invitation.user
    # The key is kept (encrypted) in the server-side session until a code from it is confirmed.
    key = f"enrol:{invitation.id}"
    if key not in session:
        session[key] = crypto.encrypt(credentials.new_totp_secret(), context=b"enrol").hex()
    secret = crypto.decrypt(bytes.fromhex(session[key]), context=b"enrol")
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            codes = invitations.activate_account(invitation, password=form.password.data,
                                                 secret=secret, code=form.code.data,
                                                 actor=current_actor())
        except AccountError as exc:
            if exc.code != "bad_code":
                raise
            db.session.rollback()
            form.code.errors.append(_("This code does not match. Check the time on your "
                                      "phone and enter the newest code."))
        else:
            start_session(user, "full")
            db.session.commit()
            stash_recovery_codes(codes)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("account.recovery_codes"))
    qr, spaced = credentials.provisioning(user, secret)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/activate.html", form=form, user=user, qr=qr, key=spaced,
                           purpose=invitation.purpose), status
