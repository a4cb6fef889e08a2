"""The signed-in user's own account: profile, sessions, password and second factor."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from ... import crypto
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import UserSession
from ...services import audit
from ...services.accounts import authentication, credentials
from ...services.accounts.users import AccountError
from ...sessions import end_sessions
from ...web import current_actor
from ..auth.signin import start_session, stash_recovery_codes, take_recovery_codes
from . import bp
from .forms import ChangePasswordForm, ConfirmCodeForm, EndSessionForm, ProfileForm, ReauthForm

REAUTH_SECONDS = 300


@bp.route("/", methods=["GET", "POST"])
def index():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.preferred_locale = form.preferred_locale.data
        session["lang"] = form.preferred_locale.data
        audit.record("profile_updated", current_actor(), object_type="user",
                     object_id=current_user.id)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("account.index"))
    sessions = db.session.scalars(select(UserSession).where(
        UserSession.user_id == current_user.id).order_by(UserSession.last_seen.desc())).all()
    return render_template("account/index.html", form=form, sessions=sessions,
                           this_session=session.row_id, end_form=EndSessionForm(),
                           empty=EmptyForm(),
                           codes_left=credentials.remaining_recovery_codes(current_user)), \
        422 if form.is_submitted() else 200


@bp.route("/sessions/end", methods=["POST"])
def end_session():
    form = EndSessionForm()
    if form.validate_on_submit():
        removed = db.session.execute(delete(UserSession).where(
            UserSession.id == form.session_id.data, UserSession.user_id == current_user.id,
            UserSession.id != session.row_id)).rowcount
        if removed:
            audit.record("session_ended", current_actor(), object_type="user",
                         object_id=current_user.id)
            db.session.commit()
            flash(_("The session was ended."), "success")
    return redirect(url_for("account.index"))


@bp.route("/sessions/end-others", methods=["POST"])
def end_other_sessions():
    if EmptyForm().validate_on_submit():
        count = end_sessions(user_id=current_user.id, except_id=session.row_id)
        audit.record("session_ended", current_actor(), object_type="user",
                     object_id=current_user.id, detail={"count": count})
        db.session.commit()
        flash(_("All your other sessions were ended."), "success")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not authentication.reauthenticate(current_user, password=form.password.data,
                                             code=form.code.data, actor=current_actor()):
            db.session.commit()  # the failure counts towards the account's throttle
            form.code.errors.append(_("The current password or the code is not correct."))
        else:
            credentials.change_password(current_user, new_password=form.new_password.data,
                                        actor=current_actor())
            end_sessions(user_id=current_user.id, except_id=session.row_id)
            db.session.commit()
            flash(_("Your password was changed. Your other sessions were ended."), "success")
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor():
    """Step 1 of a second-factor change: both factors again."""
    form = ReauthForm()
    if form.validate_on_submit():
        if authentication.reauthenticate(current_user, password=form.password.data,
                                         code=form.code.data, actor=current_actor()):
            db.session.commit()  # the used code's step, so it cannot be replayed
            session["reauth_at"] = int(time.time())
            session["new_totp"] = crypto.encrypt(credentials.new_totp_secret(),
                                                 context=b"enrol").hex()
            return redirect(url_for("account.enrol"))
        db.session.commit()  # the failure counts towards the account's throttle
        form.code.errors.append(_("The current password or the code is not correct."))
    return render_template("account/second_factor.html", form=form), \
        422 if form.is_submitted() else 200


@bp.route("/enrol", methods=["GET", "POST"])
def enrol():
    """Set up a TOTP key: a first enrolment, or a change after re-authentication."""
    first = session.get("auth") == "enrol"
    if not first and int(time.time()) - session.get("reauth_at", 0) > REAUTH_SECONDS:
        return redirect(url_for("account.second_factor"))
    if "new_totp" not in session:
        session["new_totp"] = crypto.encrypt(credentials.new_totp_secret(), context=b"enrol").hex()
    secret = crypto.decrypt(bytes.fromhex(session["new_totp"]), context=b"enrol")
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = credentials.enrol_second_factor(current_user, secret=secret,
                                                    code=form.code.data, actor=current_actor())
        except AccountError:
            db.session.rollback()
            form.code.errors.append(_("This code does not match. Check the time on your phone "
                                      "and enter the newest code."))
        else:
            end_sessions(user_id=current_user.id, except_id=session.row_id)
            db.session.commit()
            for key in ("new_totp", "reauth_at"):
                session.pop(key, None)
            if first:  # more rights from here on: a new session id (fixation defence)
                start_session(current_user._get_current_object(), "full")
                db.session.commit()
            session["auth"] = "full"
            stash_recovery_codes(codes)
            flash(_("Your second factor is set up. Your other sessions were ended."), "success")
            return redirect(url_for("account.recovery_codes"))
    qr, key = credentials.provisioning(current_user, secret)
    return render_template("account/enrol.html", form=form, qr=qr, key=key, first=first), \
        422 if form.is_submitted() else 200


@bp.route("/recovery-codes", methods=["GET", "POST"])
def recovery_codes():
    """Shows new recovery codes once; POST (with both factors) makes a new set."""
    form = ReauthForm()
    if form.validate_on_submit():
        if authentication.reauthenticate(current_user, password=form.password.data,
                                         code=form.code.data, actor=current_actor()):
            stash_recovery_codes(credentials.regenerate_recovery_codes(
                current_user, actor=current_actor()))
            db.session.commit()
            return redirect(url_for("account.recovery_codes"))
        db.session.commit()  # the failure counts towards the account's throttle
        form.code.errors.append(_("The current password or the code is not correct."))
    codes = take_recovery_codes()
    return render_template("account/recovery_codes.html", codes=codes, form=form), \
        422 if form.is_submitted() else 200
