"""The public form: /families/report and its thank-you page. No account, no script, nothing
about the visitor kept (no IP address or user agent with the report; the rate limiter counts a
keyed hash of the address, for its window only). The CSRF token lives in a short anonymous
server-side session, which is emptied (row and cookie deleted) once the reference is shown."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ...extensions import db, limiter
from ...i18n import arabic_first
from ...services import family_intake
from ...services.audit import Actor
from ...web import _handle_csrf, _handle_http, request_id
from . import bp
from .forms import ReportForm

PUBLIC_ENDPOINTS = frozenset({"family_intake.form", "family_intake.thanks"})
_REFERENCE_KEY = "family_intake_reference"


def _address_key() -> str:
    """The client address as a keyed hash: the limiter's storage never holds the address."""
    address = request.remote_addr or "unknown"
    return "fi-" + hmac.new(current_app.config["SECRET_KEY"].encode(), address.encode(),
                            hashlib.sha256).hexdigest()[:24]


def _per_address() -> str:
    return current_app.config["FAMILY_INTAKE_LIMIT_PER_ADDRESS"]


def _everyone() -> str:
    return current_app.config["FAMILY_INTAKE_LIMIT_GLOBAL"]


def _lang() -> str:
    return get_locale().language


def _public_error(code: int, message: str, **context):
    response = make_response(render_template("family_intake/error.html", code=code,
                                             message=message, **context), code)
    if code == 429:
        response.headers["Retry-After"] = str(getattr(context.get("exc"), "retry_after", None)
                                              or 60)
    return response


@bp.url_value_preprocessor
def _small_text_bodies(endpoint, values) -> None:
    """Before the CSRF check reads the body: the form takes a small URL-encoded body only."""
    if endpoint != "family_intake.form" or request.method != "POST":
        return
    limit = current_app.config["FAMILY_INTAKE_MAX_BODY"]
    request.max_content_length = limit
    if request.mimetype == "multipart/form-data":
        abort(_public_error(413, _("This form does not accept files. Please send text only; "
                                   "the office will ask for documents later if needed.")))
    if (request.content_length or 0) > limit:
        abort(_public_error(413, _("The report is too long to send in one go. Please shorten "
                                   "it; the office can contact you for more.")))


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError):
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return _handle_csrf(exc)
    if current_user.is_authenticated:
        _handle_csrf(exc)  # audits the refusal (malicious_csrf) for a signed-in account
    # Sent from this site (its own form left open too long, or the session ended): show the
    # visitor's own text again with a fresh token rather than losing it. A post from another
    # site only gets the message.
    form = ReportForm(meta={"csrf": False}) if _same_origin() else ReportForm(formdata=None)
    return make_response(render_template(
        "family_intake/form.html", form=form, expired=True), 400)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.response is not None:  # a page made above (_small_text_bodies)
        return exc.response
    if request.endpoint not in PUBLIC_ENDPOINTS or exc.code not in (400, 405, 413, 429):
        return _handle_http(exc)
    db.session.rollback()
    messages = {
        400: _("The request could not be understood. Nothing was sent. Please go back and "
               "try again."),
        405: _("This address does not accept that kind of request."),
        413: _("The report is too long to send in one go. Please shorten it; the office can "
               "contact you for more."),
        429: _("Too many reports were sent from here or to the office in a short time. "
               "Nothing was sent. Please wait an hour and try again."),
    }
    return _public_error(exc.code, messages[exc.code], exc=exc)


def _same_origin() -> bool:
    own = urlsplit(request.host_url)
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            theirs = urlsplit(value)
            return (theirs.scheme, theirs.netloc) == (own.scheme, own.netloc)
    return False


@bp.route("/families/report", methods=["GET", "POST"])
@limiter.limit(_everyone, key_func=lambda: "fi-everyone", methods=["POST"],
               scope="family_intake_everyone")
@limiter.limit(_per_address, key_func=_address_key, methods=["POST"])
@arabic_first
def form():
    form = ReportForm()
    if form.validate_on_submit():
        submission = family_intake.receive(
            form.kind.data, form.payload(), _lang(),
            actor=Actor(user_id=None, org_id=None, request_id=request_id()))
        db.session.commit()
        session[_REFERENCE_KEY] = submission.reference
        return redirect(url_for("family_intake.thanks", lang=request.args.get("lang")))
    status = 400 if request.method == "POST" else 200
    return render_template("family_intake/form.html", form=form, expired=False), status


@bp.route("/families/report/thanks")
@arabic_first
def thanks():
    reference = session.pop(_REFERENCE_KEY, None)
    if reference and not current_user.is_authenticated:
        session.clear()  # nothing of the visit stays on the server: the session row goes
    return render_template("family_intake/thanks.html", reference=reference)
