"""Start page, language switch and health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select, text

from ...access import fully_signed_in, may_see_families, role_required_for
from ...database import reads_only
from ...extensions import db
from ...models import OutboxMessage
from . import bp

# Main navigation: shown to a user only where the policy lets their role in.
NAV = (
    ("main.index", _l("Home")),
    ("updates.index", _l("What's new")),
    ("cases.index", _l("Cases")),
    ("sharing.index", _l("Sharing")),
    ("events.index", _l("Events")),
    ("briefings.index", _l("Briefing packs")),
    ("submissions.index", _l("Submissions")),
    ("submissions.queue", _l("Submissions")),
    ("users.index", _l("People")),
    ("organizations.index", _l("Organisations")),
    ("reports.index", _l("Access report")),
    ("reports.colleagues", _l("Colleagues' activity")),
    ("families.index", _l("Families")),
    ("referrals.index", _l("Referrals")),
    ("family_intake.queue", _l("Reports from families")),
    ("publishing.index", _l("Public site")),
)


@bp.app_context_processor
def inject_nav():
    from flask import current_app

    def nav_items():
        if not fully_signed_in():
            return []
        # The policy table and the routes are fixed once the app is built: the endpoints of
        # each role's navigation are worked out once per process, not on every page.
        cache = current_app.extensions.setdefault("portal_nav", {})
        role = current_user.role
        if role not in cache:
            cache[role] = tuple(i for i, (ep, _label) in enumerate(NAV)
                                if ep in current_app.view_functions
                                and role in role_required_for(ep)
                                and (not ep.startswith("families.")
                                     or may_see_families(current_user)))
        return [NAV[i] for i in cache[role]]
    return {"nav_items": nav_items}


@bp.route("/")
@reads_only  # the home page only reads: no write lock on SQLite (database.reads_only)
def index():
    return render_template("main/index.html")


@bp.route("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:
        return jsonify(status="degraded", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang not in ("ar", "en"):
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated and session.get("auth") == "full":
        current_user.preferred_locale = lang
        db.session.commit()
    target = request.form.get("next", "")
    # Only a local path: never an open redirect (browsers drop tabs and newlines, and read
    # a backslash as a slash, so "/\t/evil" would become "//evil").
    parts = urlsplit(target)
    if (not target.startswith("/") or any(c in target for c in "\\\t\r\n")
            or parts.scheme or parts.netloc or target.startswith("//")
            or any(ord(c) < 32 for c in target)):
        target = url_for("main.index")
    return redirect(target)


@bp.route("/outbox")
def outbox():
    """Demo mode only: the console outbox, so a newcomer can follow invitation links."""
    from flask import current_app
    if not current_app.config["DEMO_MODE"]:
        abort(404)
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                  .limit(50)).all()
    return render_template("main/outbox.html", messages=messages)
