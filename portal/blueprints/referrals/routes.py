"""Referrals of families' needs to partners: the partner's inbox (list, the referral, its
answers) and the office's side (referring a need, following and withdrawing referrals).

Visibility is decided only in portal/access/referrals.py; each view loads through it, calls
one service and commits once."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import (
    get_family_or_404,
    get_referral_or_404,
    referral_row,
    referral_view,
    visible_referrals,
)
from ...extensions import db
from ...forms_common import EmptyForm
from ...labels.referrals import LABELS
from ...models import Organization, Referral
from ...services.families import referrals
from ...services.families.referrals import ReferralInvalid
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import DeclineForm, OutcomeForm, ReferralForm, attach

PER_PAGE = 50
STATES = ("open", "all")


def _language() -> str:
    return get_locale().language


def _org_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return {o.id: o.name(_language()) for o in db.session.scalars(
        select(Organization).where(Organization.id.in_(ids)))}


@bp.route("/")
def index():
    state = request.args.get("state", "open")
    if state not in STATES:
        abort(400)
    stmt = visible_referrals(current_user).order_by(Referral.created_at.desc(),
                                                    Referral.id.desc())
    if state == "open" and current_user.is_office:
        stmt = stmt.where(Referral.status.in_(referrals.OPEN_STATUSES))
    page = db.paginate(stmt, page=max(1, request.args.get("page", 1, type=int) or 1),
                       per_page=PER_PAGE, error_out=False)
    rows = [referral_row(r) for r in page.items]
    return render_template("referrals/index.html", page=page, rows=rows, state=state,
                           orgs=_org_names(r["organization_id"] for r in rows), labels=LABELS)


def family_url(family) -> str | None:
    """The family record's page (office only), when the families area is installed."""
    if not current_user.is_office or "families.detail" not in current_app.view_functions:
        return None
    return url_for("families.detail", uid=family.uid)


def _need_choices(family) -> list[tuple[int, str]]:
    return [(n.id, f"{LABELS['category'].get(n.category, n.category)} · "
             f"{n.assessed_on.isoformat() if n.assessed_on else ''}".rstrip(" ·"))
            for n in family.needs if n.status == "open"]


@bp.route("/families/<uid>/new", methods=["GET", "POST"])
def create(uid: str):
    family = get_family_or_404(uid, current_user)
    # Every partner is listed, those the family agreed to first: choosing another one is
    # refused with a message naming the organisation (the consent is checked when saving).
    consented = referrals.consented_org_ids(family)
    orgs = [(o.id, _("%(org)s (the family agreed)", org=o.name(_language()))
             if o.id in consented else o.name(_language()))
            for o in sorted(referrals.partner_choices(), key=lambda o: o.id not in consented)]
    form = ReferralForm(data=referrals.form_defaults(family) if request.method == "GET"
                        else None).setup(orgs, _need_choices(family))
    if form.validate_on_submit():
        with commit_or_report(ReferralInvalid, lambda exc: attach(form, exc.errors)) as outcome:
            referral = referrals.create_referral(family, form.data_dict(),
                                                 actor=current_actor())
        if outcome.ok:
            flash(_("The need was referred; the organisation will find it in its referrals "
                    "inbox."), "success")
            return redirect(url_for("referrals.detail", uid=referral.uid))
    return render_template("referrals/create.html", form=form, family=family,
                           has_consent=bool(consented), labels=LABELS,
                           family_url=family_url(family)), \
        422 if form.is_submitted() else 200


def _page(referral: Referral, *, decline: DeclineForm | None = None,
          outcome: OutcomeForm | None = None, errors=(), status: int = 200):
    view = referral_view(referral, current_user)
    general = [message for name, message in errors if name in ("answer", "withdraw")]
    return render_template(
        "referrals/detail.html", referral=view, labels=LABELS,
        org_name=_org_names([view["organization_id"]]).get(view["organization_id"], ""),
        family_url=family_url(referral.family) if current_user.is_office else None,
        decline=decline or DeclineForm(), outcome=outcome or OutcomeForm(),
        button=EmptyForm(), errors=general), status


@bp.route("/<uid>")
def detail(uid: str):
    referral = get_referral_or_404(uid, current_user)
    referrals.record_read(referral, actor=current_actor())
    db.session.commit()
    return _page(referral)


def _load(uid: str) -> Referral:
    """The referral, locked and re-read, so two answers cannot both apply (PostgreSQL;
    SQLite serialises writers)."""
    referral = get_referral_or_404(uid, current_user)
    db.session.execute(select(Referral.id).where(Referral.id == referral.id).with_for_update())
    db.session.refresh(referral)
    return referral


def _answer(uid: str, form, step, done: str, **page_forms):
    referral = _load(uid)
    if form.validate_on_submit():
        try:
            step(referral)
        except ReferralInvalid as exc:
            db.session.rollback()
            attach(form, [(n, m) for n, m in exc.errors if hasattr(form, n)])
            return _page(referral, errors=exc.errors, status=422, **page_forms)
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("referrals.detail", uid=referral.uid))
    return _page(referral, status=422, **page_forms)


@bp.route("/<uid>/accept", methods=["POST"])
def accept(uid: str):
    form = EmptyForm()
    return _answer(uid, form, lambda r: referrals.accept(r, actor=current_actor()),
                   _("You accepted the referral. Report the outcome here when the work is "
                     "done."))


@bp.route("/<uid>/decline", methods=["POST"])
def decline(uid: str):
    form = DeclineForm()
    return _answer(uid, form, lambda r: referrals.decline(r, form.reason.data or "",
                                                          actor=current_actor()),
                   _("You declined the referral; the office can read your reason."),
                   decline=form)


@bp.route("/<uid>/outcome", methods=["POST"])
def outcome(uid: str):
    form = OutcomeForm()
    return _answer(uid, form, lambda r: referrals.report_outcome(r, form.outcome.data or "",
                                                                 actor=current_actor()),
                   _("Thank you: the outcome was sent to the office."), outcome=form)


@bp.route("/<uid>/withdraw", methods=["POST"])
def withdraw(uid: str):
    form = EmptyForm()
    return _answer(uid, form, lambda r: referrals.withdraw(r, actor=current_actor()),
                   _("The referral was withdrawn; the organisation no longer sees it."))
