"""Stories and pages of the public site, and their two-person workflow:
draft → review (submitted by one staff member) → published (approved by another, who is
neither the one who submitted it nor its last editor). Any edit sends an item back to draft,
so nothing changes in public without a second pair of eyes; one person may take an item
down at once (unpublish). Services flush, never commit; every write is audited.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...access import visible_cases
from ...access.families import publish_consent_active
from ...extensions import db
from ...models import Case, PublicPage, PublicSnapshot, PublicStory, utcnow
from ...models.public import CHART_KEYS, PAGE_KINDS, STORY_FIELDS, new_slug
from .. import audit
from .figures import PublishRefused

log = logging.getLogger("portal.public")

TITLE_MAX, SUMMARY_MAX, BODY_MAX, STORY_TEXT_MAX = 200, 600, 20_000, 5_000
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
_PERIOD = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


class PublishInvalid(ValueError):
    """Input that the rules refuse; `errors` holds (field, message) pairs."""

    def __init__(self, errors: list):
        super().__init__("invalid public item")
        self.errors = errors


def _text(data: dict, name: str, limit: int, errors: list, *, required: bool = False) -> str:
    value = str(data.get(name) or "").replace("\r\n", "\n").strip()
    if required and not value:
        errors.append((name, _l("This field is required.")))
    elif len(value) > limit:
        errors.append((name, _l("At most %(n)s characters.", n=limit)))
    return value


def _edited(item, actor) -> None:
    item.status = "draft"
    item.edited_by_id = actor.user_id
    item.updated_at = utcnow()
    item.submitted_by_id = item.submitted_at = None
    item.approved_by_id = item.approved_at = None


# --- stories --------------------------------------------------------------------------------

def find_case(reference: str, actor_user) -> Case | None:
    """A case by its reference, among those the office user sees (the gate's scope)."""
    reference = (reference or "").strip().upper()
    if not reference or len(reference) > 20:
        return None
    return db.session.scalar(visible_cases(actor_user).where(Case.reference == reference))


def save_story(story: PublicStory | None, case: Case | None, data: dict, *,
               actor) -> PublicStory:
    """Create or edit a story: the fields the consent allows are copied from the case now;
    anything else of the case is never copied."""
    errors: list = []
    if case is None:
        errors.append(("case", _l("No case with this reference.")))
    fields = [f for f in data.get("fields") or [] if f in STORY_FIELDS]
    text_ar = _text(data, "text_ar", STORY_TEXT_MAX, errors)
    text_en = _text(data, "text_en", STORY_TEXT_MAX, errors)
    if not (text_ar or text_en) and not any(n == "text_ar" for n, _m in errors):
        errors.append(("text_ar", _l("Write the text the family approved, in Arabic or English.")))
    if errors:
        raise PublishInvalid(errors)
    if story is None:
        story = PublicStory(slug=new_slug("s"), created_by_id=actor.user_id,
                            created_at=utcnow())
        db.session.add(story)
    story.case_id = case.id
    story.fields_json = json.dumps(fields)
    story.first_name_ar = case.first_name_ar if "first_name" in fields else ""
    story.first_name_en = case.first_name_lat if "first_name" in fields else ""
    story.family_name_ar = case.family_name_ar if "family_name" in fields else ""
    story.family_name_en = case.family_name_lat if "family_name" in fields else ""
    story.governorate_id = case.governorate_id if "governorate" in fields else None
    year = (case.arrest_lo or 0) // 10000
    story.arrest_year = year if ("arrest_year" in fields and year) else None
    story.text_ar, story.text_en = text_ar, text_en
    _edited(story, actor)
    db.session.flush()
    audit.record("public_story_saved", actor, object_type="public_story", object_id=story.slug,
                 detail={"case": case.id, "fields": fields})
    return story


# --- pages ----------------------------------------------------------------------------------

def save_page(page: PublicPage | None, kind: str, data: dict, *, actor) -> PublicPage:
    """Create or edit a campaign page or a monthly report."""
    if kind not in PAGE_KINDS:
        raise PublishInvalid([("kind", _l("Choose a kind of page."))])
    errors: list = []
    slug = str(data.get("slug") or "").strip().lower()
    if not _SLUG.match(slug):
        errors.append(("slug", _l("3 to 80 lowercase Latin letters, digits and hyphens.")))
    else:
        clash = db.session.scalar(select(PublicPage.id).where(
            PublicPage.kind == kind, PublicPage.slug == slug,
            PublicPage.id != (page.id if page else 0)))
        if clash:
            errors.append(("slug", _l("Another page already uses this address.")))
    values = {
        "title_ar": _text(data, "title_ar", TITLE_MAX, errors, required=True),
        "title_en": _text(data, "title_en", TITLE_MAX, errors, required=True),
        "summary_ar": _text(data, "summary_ar", SUMMARY_MAX, errors),
        "summary_en": _text(data, "summary_en", SUMMARY_MAX, errors),
        "body_ar": _text(data, "body_ar", BODY_MAX, errors),
        "body_en": _text(data, "body_en", BODY_MAX, errors),
    }
    period = str(data.get("period") or "").strip()
    if kind == "report" and not _PERIOD.match(period):
        errors.append(("period", _l("The month of the report, as YYYY-MM.")))
    charts = [c for c in CHART_KEYS if c in (data.get("charts") or [])]
    story_ids = []
    for raw in data.get("stories") or []:
        try:
            story_ids.append(int(raw))
        except (TypeError, ValueError):
            errors.append(("stories", _l("Choose stories from the list.")))
            break
    known = set(db.session.scalars(select(PublicStory.id).where(PublicStory.id.in_(story_ids))))
    if set(story_ids) - known:
        errors.append(("stories", _l("Choose stories from the list.")))
    if errors:
        raise PublishInvalid(errors)
    if page is None:
        page = PublicPage(kind=kind, created_by_id=actor.user_id, created_at=utcnow())
        db.session.add(page)
    page.slug = slug
    for name, value in values.items():
        setattr(page, name, value)
    page.period = period if kind == "report" else ""
    page.charts_json, page.story_ids_json = json.dumps(charts), json.dumps(story_ids)
    _edited(page, actor)
    page.pdf_ar = page.pdf_en = None
    db.session.flush()
    audit.record("public_page_saved", actor, object_type="public_page", object_id=page.id,
                 detail={"kind": kind, "slug": slug})
    return page


# --- the workflow ---------------------------------------------------------------------------

def _kind(item) -> str:
    return "public_story" if isinstance(item, PublicStory) else "public_page"


def _object_id(item):
    return item.slug if isinstance(item, PublicStory) else item.id


def submit(item, *, actor) -> None:
    """Draft (or unpublished) → review: asks a second staff member to approve it."""
    if item.status not in ("draft", "unpublished"):
        raise PublishRefused("not_draft")
    item.status, item.submitted_by_id, item.submitted_at = "review", actor.user_id, utcnow()
    item.updated_at = utcnow()
    audit.record(f"{_kind(item)}_submitted", actor, object_type=_kind(item),
                 object_id=_object_id(item))


_CONTENT = {"story": ("case_id", "fields_json", "first_name_ar", "first_name_en",
                       "family_name_ar", "family_name_en", "governorate_id", "arrest_year",
                       "text_ar", "text_en"),
            "page": ("kind", "slug", "title_ar", "title_en", "summary_ar", "summary_en",
                     "body_ar", "body_en", "period", "charts_json", "story_ids_json")}


def content_digest(item) -> str:
    """A digest of what would be published, plus the submission it is waiting under: the
    reviewer's approval names it, so an edit made after they opened the item (and submitted
    again) is not published by their click."""
    names = _CONTENT["story" if isinstance(item, PublicStory) else "page"]
    data = {n: getattr(item, n) for n in names}
    data["submitted"] = [item.submitted_by_id, str(item.submitted_at)]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()
                          ).hexdigest()[:32]


def approve(item, *, actor, render_pdf=None, seen: str | None = None) -> None:
    """Review → published, by someone other than who submitted or last edited it. A story
    also needs the family's active consent to publish; a report keeps the current snapshot
    and gets its PDFs (`render_pdf(page, lang)` → bytes; all or nothing). `seen` is the
    content_digest() of the page the reviewer read (the publishing pages always give it)."""
    if item.status != "review":
        raise PublishRefused("not_in_review")
    if seen is not None and seen != content_digest(item):
        raise PublishRefused("changed")
    if actor.user_id in (item.submitted_by_id, item.edited_by_id):
        raise PublishRefused("same_person")
    if isinstance(item, PublicStory) and not publish_consent_active(item.case_id):
        raise PublishRefused("no_consent")
    now = utcnow()
    if isinstance(item, PublicPage) and item.kind == "report":
        snapshot = db.session.scalar(
            select(PublicSnapshot.id).where(PublicSnapshot.status == "published")
            .order_by(PublicSnapshot.approved_at.desc(), PublicSnapshot.id.desc()).limit(1))
        if snapshot is None:
            raise PublishRefused("no_snapshot")
        item.snapshot_id = snapshot
        if render_pdf is not None:  # both files first: a failure leaves the item as it was
            pdfs = render_pdf(item, "ar"), render_pdf(item, "en")
            item.pdf_ar, item.pdf_en = pdfs
    if isinstance(item, PublicPage):
        item.published_at = item.published_at or now
    item.status, item.approved_by_id, item.approved_at = "published", actor.user_id, now
    item.updated_at, item.unpublished_at = now, None
    audit.record(f"{_kind(item)}_published", actor, object_type=_kind(item),
                 object_id=_object_id(item))
    log.info("%s %s published by user %s", _kind(item), _object_id(item), actor.user_id)


def return_to_draft(item, *, actor) -> None:
    """Review → draft: the reviewer sends it back."""
    if item.status != "review":
        raise PublishRefused("not_in_review")
    item.status, item.submitted_by_id, item.submitted_at = "draft", None, None
    item.updated_at = utcnow()
    audit.record(f"{_kind(item)}_returned", actor, object_type=_kind(item),
                 object_id=_object_id(item))


def unpublish(item, *, actor) -> None:
    """Take a published item down at once (one person is enough)."""
    if item.status != "published":
        raise PublishRefused("not_published")
    item.status, item.unpublished_at = "unpublished", utcnow()
    item.updated_at = item.unpublished_at
    audit.record(f"{_kind(item)}_unpublished", actor, object_type=_kind(item),
                 object_id=_object_id(item))
