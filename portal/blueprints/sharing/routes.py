"""Share grants for staff (policy: portal/policy/sharing.yaml): list, grant with a preview,
detail, revoke, and which cases an organisation sees since when."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ... import access
from ...extensions import db
from ...forms_common import EmptyForm
from ...labels.sharing import GRANT_TIER, STATE, TIER_HINT, describe_filter
from ...models import GRANT_TIERS, Case, Organization, ShareGrant, utcnow
from ...services.sharing import grants as sharing
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import GrantFilterForm, GrantForm

MAX_ID = 2**31 - 1
PER_PAGE = 50


def _locale() -> str:
    return get_locale().language


def get_grant_or_404(grant_id: int) -> ShareGrant:
    """A grant by id (staff see every grant); 404 when there is none."""
    if not 0 < grant_id <= MAX_ID:
        abort(404)
    return db.get_or_404(ShareGrant, grant_id)


def get_partner_or_404(org_id: int) -> Organization:
    """A partner organisation (not the office); 404 otherwise."""
    if not 0 < org_id <= MAX_ID:
        abort(404)
    org = db.get_or_404(Organization, org_id)
    if org.is_office:
        abort(404)
    return org


@bp.app_template_global()
def grant_tier_label(tier: str) -> str:
    return str(GRANT_TIER.get(tier, tier))


@bp.app_template_global()
def grant_state_label(state: str) -> str:
    return str(STATE.get(state, state))


@bp.route("/")
def index():
    form = GrantFilterForm(request.args)
    orgs = db.session.scalars(Organization.ordered().where(Organization.kind != "office")).all()
    form.org.choices = [(0, _("Any"))] + [(o.id, o.name(_locale())) for o in orgs]
    if not form.validate() or form.org.data not in {0, *(o.id for o in orgs)}:
        abort(400)
    stmt = select(ShareGrant).order_by(ShareGrant.created_at.desc(), ShareGrant.id.desc())
    if form.org.data:
        stmt = stmt.where(ShareGrant.organization_id == form.org.data)
    if form.tier.data:
        stmt = stmt.where(ShareGrant.tier == form.tier.data)
    now = utcnow()
    if form.state.data == "active":
        stmt = stmt.where(ShareGrant.revoked_at.is_(None), ShareGrant.expires_at > now)
    elif form.state.data == "expired":
        stmt = stmt.where(ShareGrant.revoked_at.is_(None), ShareGrant.expires_at <= now)
    elif form.state.data == "revoked":
        stmt = stmt.where(ShareGrant.revoked_at.is_not(None))
    page = db.paginate(stmt, per_page=PER_PAGE)
    params = {k: v for k, v in request.args.items() if k in ("org", "state", "tier")}
    return render_template("sharing/index.html", form=form, pagination=page, orgs=orgs,
                           now=now, params=params)


def _grant_form() -> GrantForm:
    form = GrantForm()
    partners = db.session.scalars(sharing.partner_organizations()).all()
    form.organization.choices = [(o.id, o.name(_locale())) for o in partners]
    filters = db.session.scalars(sharing.usable_filters(current_actor().user_id)).all()
    form.filter_id.choices = [(0, _("No filter"))] + [(f.id, f.name) for f in filters]
    if request.method == "GET":
        form.references.data = request.args.get("references", "")[:120_000]
    return form


def _tampered(form: GrantForm) -> list[str]:
    """Fields whose posted value the form never offered (an inactive partner organisation
    is not tampering: it may have been deactivated since the page was loaded)."""
    fields = []
    org_id = form.organization.data
    if org_id not in {v for v, _label in form.organization.choices}:
        org = db.session.get(Organization, org_id) if org_id and org_id > 0 else None
        if org is None or org.is_office or org.active:
            fields.append("organization")
    if form.tier.data not in GRANT_TIERS:
        fields.append("tier")
    if form.filter_id.data not in {v for v, _label in form.filter_id.choices}:
        fields.append("filter_id")
    return fields


TAMPER_MESSAGES = {
    "organization": lambda: _("This organisation cannot be chosen."),
    "tier": lambda: _("Unknown detail tier: choose summary, detailed or identification."),
    "filter_id": lambda: _("Choose one of your saved filters."),
}


def _attach(form: GrantForm, errors) -> None:
    names = {"expires_at": "expires_on", "filter": "filter_id"}
    for name, message in errors:
        field = getattr(form, names.get(name, name), None) or form.references
        field.errors = [*field.errors, message]


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = _grant_form()
    result = None
    if form.is_submitted() and request.method == "POST":
        tampered = _tampered(form)
        if tampered:
            sharing.record_tampering(current_actor(), tampered)
            db.session.commit()
            _attach(form, [(n, TAMPER_MESSAGES[n]()) for n in tampered])
            return _render_form(form, None), 400
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "save":
                grant = sharing.grant_access(form.grant_request(), actor=current_actor())
                db.session.commit()
                flash(_("Access granted (grant #%(id)s).", id=grant.id), "success")
                return redirect(url_for("sharing.detail", grant_id=grant.id))
            result = sharing.preview(form.grant_request(), actor=current_actor())
            db.session.rollback()
            return _render_form(form, result), 200
        except sharing.GrantInvalid as exc:
            db.session.rollback()
            _attach(form, exc.errors)
    return _render_form(form, result), 422 if form.is_submitted() else 200


def _render_form(form: GrantForm, result):
    return render_template("sharing/create.html", form=form, preview=result,
                           tier_hints=TIER_HINT)


@bp.route("/<int:grant_id>")
def detail(grant_id: int):
    grant = get_grant_or_404(grant_id)
    coverage = sharing.grant_coverage(grant)
    allowed = access.consent_allows(grant.organization_id)
    rows = db.session.execute(
        select(Case, allowed.label("allowed")).where(sharing.grant_selection(grant))
        .order_by(Case.reference).limit(100)).all()
    return render_template("sharing/detail.html", grant=grant, coverage=coverage,
                           rows=[(access.redact(case, "summary"), ok) for case, ok in rows],
                           state=grant.state(), form=EmptyForm(),
                           criteria=describe_filter(grant.filter))


@bp.route("/<int:grant_id>/revoke", methods=["POST"])
def revoke(grant_id: int):
    grant = get_grant_or_404(grant_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with commit_or_report(sharing.AlreadyRevoked, lambda exc: flash(
            _("This grant was already revoked."), "info")) as outcome:
        sharing.revoke_grant(grant, actor=current_actor())
    if outcome.ok:
        flash(_("The grant was revoked. The organisation no longer sees its cases."), "success")
    return redirect(url_for("sharing.detail", grant_id=grant.id))


@bp.route("/organizations/<int:org_id>")
def organization(org_id: int):
    org = get_partner_or_404(org_id)
    now = utcnow()
    grants = db.session.scalars(select(ShareGrant).where(ShareGrant.organization_id == org.id)
                                .order_by(ShareGrant.created_at.desc(), ShareGrant.id.desc())
                                .limit(200)).all()
    page = db.paginate(access.visible_cases_for_org(org).order_by(Case.reference.desc()),
                       per_page=PER_PAGE)
    ids = [c.id for c in page.items]
    tiers = access.effective_tiers_for_org(org, ids)
    since = sharing.cases_since(org.id, ids)
    rows = [(access.redact(c, "summary"), tiers.get(c.id), since.get(c.id)) for c in page.items]
    return render_template("sharing/organization.html", org=org, grants=grants, rows=rows,
                           pagination=page, now=now)
