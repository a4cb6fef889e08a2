"""Briefing packs (policy: portal/policy/briefings.yaml)."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...labels.briefings import (
    LANGUAGE_LABELS,
    OFFICE_SECTIONS,
    PACK_STATE_LABELS,
    RENDER_ERRORS,
    label,
)
from ...models import BriefingPack, Organization
from ...services import audit
from ...services.briefings import data, jobs, packs
from ...web import current_actor
from . import bp
from .forms import GeneratePackForm, VerifyForm


def get_pack_or_404(document_id: str) -> BriefingPack:
    """A pack the current user may see: the office all, a partner its organisation's; 404."""
    return db.one_or_404(BriefingPack.visible_to(current_user)
                         .where(BriefingPack.document_id == document_id))


def _build_form() -> GeneratePackForm:
    form = GeneratePackForm()
    if current_user.is_office:
        partners = db.session.scalars(Organization.ordered().where(
            Organization.kind != "office", Organization.active.is_(True))).all()
        form.recipient.choices = [(o.id, o.name(_locale())) for o in partners]
    else:
        del form.recipient  # a partner's pack is always for its own organisation
        form.sections.choices = [(k, v) for k, v in form.sections.choices
                                 if k not in OFFICE_SECTIONS]
    form.filter_id.choices = data.saved_filters(current_user)
    return form


def _locale() -> str:
    from flask_babel import get_locale
    return get_locale().language


def _selection(form: GeneratePackForm) -> data.Selection:
    if form.mode.data == "references":
        return data.Selection(mode="references", references=tuple(form.reference_list()))
    if form.mode.data == "filter":
        return data.Selection(mode="filter", filter_id=form.filter_id.data)
    return data.Selection()


def _runs_in_background(pack: BriefingPack) -> bool:
    """Packs of more than PACK_SYNC_MAX_CASES cases render in the background."""
    try:
        count = data.count_cases(pack.organization, data.Selection.from_dict(pack.selection))
    except data.PackDataUnavailable:
        return False  # fails at once, in the request, with a clear message
    return count > current_app.config["PACK_SYNC_MAX_CASES"]


# A small pack that could not be made: the status its page is served with.
FAILURE_STATUS = {"empty": 422, "data": 503, "timeout": 503, "cpu": 503, "memory": 503,
                  "crashed": 503}


def _generate_now(pack: BriefingPack):
    jobs.run_pack(pack.id, current_actor())  # commits the outcome and its audit entries
    pack = db.session.get(BriefingPack, pack.id)
    if pack.status != "done":
        return render_template("briefings/detail.html", pack=pack,
                               error=label(RENDER_ERRORS, pack.error)), \
            FAILURE_STATUS.get(pack.error, 500)
    flash(_("The pack is ready."), "success")
    return redirect(url_for("briefings.detail", document_id=pack.document_id))


@bp.route("/")
def index():
    page = db.paginate(BriefingPack.visible_to(current_user), per_page=25)
    return render_template("briefings/index.html", pagination=page)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = _build_form()
    if form.validate_on_submit():
        recipient = (db.get_or_404(Organization, form.recipient.data) if current_user.is_office
                     else current_user.organization)
        packs.expire_packs(actor=current_actor())  # opportunistic clean-up
        try:
            pack = packs.request_pack(
                current_user, recipient, language=form.language.data,
                selection=_selection(form), sections=form.sections.data,
                covering_note=form.covering_note.data or "", actor=current_actor())
        except packs.PackLimitReached as exc:
            db.session.rollback()
            message = (_("You already have a pack being prepared. Wait until it is ready.")
                       if exc.kind == "concurrent" else
                       _("You have generated the most packs allowed in one hour. "
                         "Please try again later."))
            return render_template("briefings/create.html", form=form, limit=message), 429
        db.session.commit()
        if not _runs_in_background(pack):
            return _generate_now(pack)
        jobs.dispatch(pack, current_actor())
        flash(_("The pack is being prepared. This page shows its progress."), "success")
        return redirect(url_for("briefings.detail", document_id=pack.document_id))
    return render_template("briefings/create.html", form=form, limit=None), \
        422 if form.is_submitted() else 200


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    pack, searched = None, False
    if form.validate_on_submit():
        searched = True
        pack = packs.find_pack(form.document_id.data)
        audit.record("pack_verified", current_actor(), object_type="pack",
                     object_id=pack.document_id if pack else "",
                     outcome="success" if pack else "failure")
        db.session.commit()
    return render_template("briefings/verify.html", form=form, pack=pack, searched=searched)


@bp.route("/<document_id>")
def detail(document_id: str):
    pack = get_pack_or_404(document_id)
    return render_template("briefings/detail.html", pack=pack,
                           error=label(RENDER_ERRORS, pack.error) if pack.error else "")


@bp.route("/<document_id>/progress")
def progress(document_id: str):
    pack = get_pack_or_404(document_id)
    return jsonify(status=pack.status, progress=pack.progress,
                   finished=not pack.is_active)


@bp.route("/<document_id>/download")
def download(document_id: str):
    pack = get_pack_or_404(document_id)
    try:
        path = packs.record_download(pack, actor=current_actor())
        db.session.commit()  # no audit entry, no download
    except FileNotFoundError:
        db.session.rollback()
        return render_template("briefings/unavailable.html", pack=pack, message=_(
            "This pack cannot be downloaded: it is not ready, it failed, or it has expired.")), 404
    except packs.PackOutdated:
        db.session.commit()  # keeps the refusal in the audit log
        return render_template("briefings/unavailable.html", pack=pack, message=_(
            "This pack is out of date: what the organisation may see has changed since it was "
            "made. Generate a new pack.")), 410
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=pack.download_name, max_age=0, etag=False,
                         conditional=False)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def pack_status_label(status: str) -> str:
    return label(PACK_STATE_LABELS, status)


@bp.app_template_global()
def pack_language_label(language: str) -> str:
    return label(LANGUAGE_LABELS, language)
