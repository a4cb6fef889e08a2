"""What the office publishes on the public site (issue 18): the figures snapshot, stories
and pages, each published only when a second staff member approves it. Office roles only
(portal/policy/public.yaml)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import Case, PublicPage, PublicSnapshot, PublicStory
from ...models.public import CHART_KEYS, STORY_FIELDS
from ...services.public import charts
from ...services.public import publishing as service
from ...services.public.figures import PublishRefused, approve_snapshot, refresh_snapshot
from ...services.public.pdf import render_report_pdf
from ...web import current_actor
from . import bp

REFUSED = {
    "same_person": _l("A second staff member must approve this: you prepared it, submitted "
                      "it or edited it last."),
    "no_consent": _l("The family's consent to publish this story is not active: it cannot "
                     "be published."),
    "no_snapshot": _l("Publish a figures snapshot before a report."),
    "not_pending": _l("This snapshot is no longer waiting for approval."),
    "not_draft": _l("Only a draft can be submitted for review."),
    "not_in_review": _l("This is not waiting for review."),
    "not_published": _l("This is not published."),
    "pdf": _l("The PDF of the report could not be made. Nothing was published."),
    "changed": _l("It was changed since you opened it. Nothing was published: read it again "
                  "before approving."),
}
STORY_FIELD_LABELS = {"first_name": _l("First name"), "family_name": _l("Family name"),
                      "governorate": _l("Governorate of origin"),
                      "arrest_year": _l("Year of arrest")}
STATUS_LABELS = {"draft": _l("Draft"), "review": _l("Waiting for review"),
                 "published": _l("Published"), "unpublished": _l("Taken down"),
                 "pending": _l("Waiting for approval"), "discarded": _l("Replaced")}


@bp.app_context_processor
def inject_labels():
    return {"publishing_status": STATUS_LABELS}


bp.add_app_template_global(service.content_digest, "publishing_digest")  # macros see globals


@bp.route("/")
def index():
    snapshots = db.session.scalars(select(PublicSnapshot).order_by(PublicSnapshot.id.desc())
                                   .limit(5)).all()
    stories = db.session.scalars(select(PublicStory).order_by(PublicStory.id.desc())
                                 .limit(100)).all()
    pages = db.session.scalars(select(PublicPage).order_by(PublicPage.id.desc())
                               .limit(100)).all()
    return render_template("publishing/index.html", snapshots=snapshots, stories=stories,
                           pages=pages)


@bp.route("/snapshots", methods=["POST"])
def refresh():
    snapshot = refresh_snapshot(actor=current_actor(), actor_user=current_user)
    db.session.commit()
    flash(_("The figures were counted. A second staff member must approve them."), "success")
    return redirect(url_for("publishing.snapshot", snapshot_id=snapshot.id))


@bp.route("/snapshots/<int:snapshot_id>")
def snapshot(snapshot_id: int):
    found = db.get_or_404(PublicSnapshot, snapshot_id)
    lang = get_locale().language
    shown = [charts.chart(found.figures, d, lang) for d in CHART_KEYS]
    return render_template("publishing/snapshot.html", snapshot=found, charts_shown=shown,
                           total=charts.total_text(found.figures, lang))


@bp.route("/snapshots/<int:snapshot_id>/approve", methods=["POST"])
def approve_figures(snapshot_id: int):
    found = db.get_or_404(PublicSnapshot, snapshot_id)
    try:
        approve_snapshot(found, actor=current_actor())
    except PublishRefused as exc:
        db.session.rollback()
        flash(_("New figures can be published %(days)s days after the last ones at the "
                "earliest: two sets close together would show, by subtraction, the few "
                "cases counted in between.", days=current_app.config["PUBLIC_SNAPSHOT_MIN_DAYS"])
              if exc.code == "too_soon" else str(REFUSED[exc.code]), "error")
        return redirect(url_for("publishing.snapshot", snapshot_id=snapshot_id)), 303
    db.session.commit()
    flash(_("The figures are published."), "success")
    return redirect(url_for("publishing.index"))


def _save_draft(save, ok_message: str, endpoint: str, id_arg: str):
    """Run `save` (a thunk); on success commit, flash and return (redirect to `endpoint`
    with the saved id as `id_arg`, []); on refusal roll back and return (None, errors)."""
    try:
        saved = save()
    except service.PublishInvalid as exc:
        db.session.rollback()
        return None, [(f, str(m)) for f, m in exc.errors]
    db.session.commit()
    flash(ok_message, "success")
    return redirect(url_for(endpoint, **{id_arg: saved.id})), []


def _story_form(story: PublicStory | None):
    data = {"case": request.form.get("case", ""), "fields": request.form.getlist("fields"),
            "text_ar": request.form.get("text_ar", ""), "text_en": request.form.get("text_en", "")}
    errors = []
    if request.method == "POST":
        case = service.find_case(data["case"], current_user)
        done, errors = _save_draft(
            lambda: service.save_story(story, case, data, actor=current_actor()),
            _("The story was saved as a draft."), "publishing.edit_story", "story_id")
        if done is not None:
            return done
    elif story is not None:
        reference = db.session.scalar(select(Case.reference).where(Case.id == story.case_id))
        data = {"case": reference or "", "fields": story.fields, "text_ar": story.text_ar,
                "text_en": story.text_en}
    else:
        data["fields"] = list(STORY_FIELDS)
    return render_template("publishing/story_form.html", story=story, data=data,
                           errors=errors, field_labels=STORY_FIELD_LABELS), (
        422 if errors else 200)


@bp.route("/stories/new", methods=["GET", "POST"])
def new_story():
    return _story_form(None)


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
def edit_story(story_id: int):
    return _story_form(db.get_or_404(PublicStory, story_id))


def _page_form(page: PublicPage | None, kind: str):
    errors = []
    if request.method == "POST":
        data = {k: request.form.get(k, "") for k in (
            "slug", "title_ar", "title_en", "summary_ar", "summary_en", "body_ar", "body_en",
            "period")}
        data["charts"] = request.form.getlist("charts")
        data["stories"] = request.form.getlist("stories")
        done, errors = _save_draft(
            lambda: service.save_page(page, kind, data, actor=current_actor()),
            _("The page was saved as a draft."), "publishing.edit_page", "page_id")
        if done is not None:
            return done
    elif page is not None:
        data = {k: getattr(page, k) for k in (
            "slug", "title_ar", "title_en", "summary_ar", "summary_en", "body_ar", "body_en",
            "period")}
        data["charts"], data["stories"] = page.charts, [str(i) for i in page.story_ids]
    else:
        data = {"charts": list(CHART_KEYS), "stories": []}
    stories = db.session.scalars(select(PublicStory).order_by(PublicStory.id.desc())
                                 .limit(200)).all()
    return render_template("publishing/page_form.html", page=page, kind=kind, data=data,
                           errors=errors, stories=stories, chart_titles=charts.TITLES), (
        422 if errors else 200)


@bp.route("/pages/new/<kind>", methods=["GET", "POST"])
def new_page(kind: str):
    if kind not in ("campaign", "report"):
        abort(404)
    return _page_form(None, kind)


@bp.route("/pages/<int:page_id>/edit", methods=["GET", "POST"])
def edit_page(page_id: int):
    page = db.get_or_404(PublicPage, page_id)
    return _page_form(page, page.kind)


@bp.route("/<what>/<int:item_id>/<step>", methods=["POST"])
def workflow(what: str, item_id: int, step: str):
    if what not in ("stories", "pages") or step not in ("submit", "approve", "return",
                                                        "unpublish"):
        abort(404)
    item = db.session.get(PublicStory if what == "stories" else PublicPage, item_id)
    if item is None:
        abort(404)
    actor = current_actor()
    try:
        if step == "submit":
            service.submit(item, actor=actor)
        elif step == "approve":
            service.approve(item, actor=actor, render_pdf=render_report_pdf,
                            seen=request.form.get("seen", ""))
        elif step == "return":
            service.return_to_draft(item, actor=actor)
        else:
            service.unpublish(item, actor=actor)
    except PublishRefused as exc:
        db.session.rollback()
        flash(str(REFUSED[exc.code]), "error")
        return redirect(url_for("publishing.index")), 303
    db.session.commit()
    flash({"submit": _("Submitted for review by a second staff member."),
           "approve": _("Published."), "return": _("Sent back to draft."),
           "unpublish": _("Taken down from the public site.")}[step], "success")
    return redirect(url_for("publishing.index"))
