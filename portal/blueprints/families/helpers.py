"""Pieces the families views share: the gate before every view, choices, error mapping."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ... import refdata
from ...access import MAX_ID, may_see_families, require_families_reader
from ...extensions import db
from ...models import Organization, User
from ...services.families import overdue_count
from . import bp


@bp.before_request
def _office_only():
    """Deny by default: every families view answers anyone but the office with a 404."""
    require_families_reader(current_user)


@bp.app_context_processor
def _inject_overdue():
    def overdue_follow_ups() -> int:
        """The signed-in office member's overdue follow-ups: one indexed query, office only."""
        if not may_see_families(current_user):
            return 0
        try:
            return overdue_count(current_user.id)
        except SQLAlchemyError:  # e.g. the 503 page while the database is away
            db.session.rollback()
            return 0
    return {"overdue_follow_ups": overdue_follow_ups}


def language() -> str:
    return get_locale().language


def to_int(value) -> int | None:
    """A positive id from a form value, or None (the services then name the field)."""
    try:
        number = int(str(value or "").strip())
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def child_or_404(collection, child_id: int):
    found = next((c for c in collection if c.id == child_id), None)
    if found is None:
        abort(404)
    return found


def form_errors_from(form, exc) -> None:
    """Attach a service's (field, message) errors to the form's fields; an error without a
    field of its own is flashed."""
    for name, message in exc.errors:
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            flash(str(message), "error")
            continue
        field.errors = [*(field.errors or []), message]


def flash_errors(exc) -> None:
    for _name, message in exc.errors:
        flash(str(message), "error")


def back(family, anchor: str = ""):
    return redirect(url_for("families.detail", uid=family.uid) + (f"#{anchor}" if anchor else ""))


def governorate_choices() -> list:
    lang = language()
    return [("", _("— none —"))] + [(str(r["id"]), refdata.label(r, lang))
                                     for r in refdata.all_rows("governorates")]


def organization_choices(blank: bool = True, partners_only: bool = False) -> list:
    lang = language()
    stmt = Organization.ordered().where(Organization.active.is_(True))
    if partners_only:
        stmt = stmt.where(Organization.kind != "office")
    orgs = db.session.scalars(stmt)
    return ([("", _("— choose —"))] if blank else []) + [(str(o.id), o.name(lang)) for o in orgs]


def office_staff_choices() -> list:
    users = db.session.scalars(select(User).where(User.role.in_(("admin", "staff")),
                                                  User.active.is_(True)).order_by(User.name))
    return [(str(u.id), u.name) for u in users]
