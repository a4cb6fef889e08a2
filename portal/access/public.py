"""What the public site may read: the one module its pages read through (issue 18).

Only published things leave here, as plain dictionaries of the published fields: the latest
approved figures snapshot (already suppressed), published stories whose family's consent to
publish is active *now* (checked on every call, never cached), and published pages. Nothing
here reads a case: a story carries the copies of the fields its consent allows.
tests/test_public_site.py checks that the public blueprint imports nothing else that reads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import FamilyConsent, Governorate, PublicPage, PublicSnapshot, PublicStory
from ..models.cases import STATUSES  # the vocabulary of the status filter, not case data
from .families import publish_consent_active

PUBLISHED = "published"
__all__ = ["STATUSES", "current_snapshot", "get_page", "get_story", "last_change",
           "published_pages", "published_stories", "report_pdf", "story_view"]


def _snapshot_dict(snapshot: PublicSnapshot | None) -> dict | None:
    if snapshot is None or snapshot.status != PUBLISHED:
        return None
    return {"id": snapshot.id, "approved_at": snapshot.approved_at,
            "figures": snapshot.figures}


def current_snapshot() -> dict | None:
    """The latest approved snapshot's figures."""
    return _snapshot_dict(db.session.scalars(
        select(PublicSnapshot).where(PublicSnapshot.status == PUBLISHED)
        .order_by(PublicSnapshot.approved_at.desc(), PublicSnapshot.id.desc()).limit(1)).first())


def _visible(story: PublicStory | None) -> bool:
    # The consent must be older than the approval: one given again after a withdrawal is
    # not an approval of the old story (staff approve it again, two people).
    return (story is not None and story.status == PUBLISHED and story.approved_at is not None
            and publish_consent_active(story.case_id, recorded_by=story.approved_at))


def story_view(story: PublicStory, lang: str) -> dict:
    """The public profile: only the fields in the story's consent, and the approved text."""
    fields = set(story.fields)
    other = "en" if lang == "ar" else "ar"

    def pick(name: str) -> str:
        return getattr(story, f"{name}_{lang}") or getattr(story, f"{name}_{other}")
    names = [pick(n) for n in ("first_name", "family_name") if n in fields]
    governorate = ""
    if "governorate" in fields and story.governorate_id:
        gov = db.session.get(Governorate, story.governorate_id)
        governorate = (gov.name_ar if lang == "ar" else gov.name_en) if gov else ""
    return {"slug": story.slug, "name": " ".join(n for n in names if n),
            "governorate": governorate,
            "arrest_year": story.arrest_year if "arrest_year" in fields else None,
            "text": pick("text"), "approved_at": story.approved_at}


def published_stories(lang: str, ids: list[int] | None = None) -> list[dict]:
    """Stories that are published and whose family's consent to publish is active now."""
    stmt = select(PublicStory).where(PublicStory.status == PUBLISHED)
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(PublicStory.id.in_(ids))
    stories = db.session.scalars(stmt.order_by(PublicStory.approved_at.desc(),
                                               PublicStory.id.desc()).limit(100)).all()
    return [story_view(s, lang) for s in stories if _visible(s)]


def get_story(slug: str, lang: str) -> dict | None:
    story = db.session.scalar(select(PublicStory).where(PublicStory.slug == slug))
    return story_view(story, lang) if _visible(story) else None


def _page_view(page: PublicPage, lang: str, *, full: bool) -> dict:
    other = "en" if lang == "ar" else "ar"

    def pick(name: str) -> str:
        return getattr(page, f"{name}_{lang}") or getattr(page, f"{name}_{other}")
    view = {"kind": page.kind, "slug": page.slug, "title": pick("title"),
            "summary": pick("summary"), "period": page.period,
            "published_at": page.published_at, "updated_at": page.updated_at,
            "has_pdf": bool(page.pdf_ar if lang == "ar" else page.pdf_en)}
    if full:
        view["body"] = pick("body")
        view["charts"] = page.charts
        view["stories"] = published_stories(lang, page.story_ids)
        view["snapshot"] = (_snapshot_dict(db.session.get(PublicSnapshot, page.snapshot_id))
                            if page.snapshot_id else current_snapshot())
    return view


def published_pages(kind: str, lang: str, *, full: bool = False, limit: int = 50) -> list[dict]:
    pages = db.session.scalars(
        select(PublicPage).where(PublicPage.kind == kind, PublicPage.status == PUBLISHED)
        .order_by(PublicPage.period.desc(), PublicPage.published_at.desc()).limit(limit)).all()
    return [_page_view(p, lang, full=full) for p in pages]


def get_page(kind: str, slug: str, lang: str) -> dict | None:
    page = db.session.scalar(select(PublicPage).where(
        PublicPage.kind == kind, PublicPage.slug == slug, PublicPage.status == PUBLISHED))
    return _page_view(page, lang, full=True) if page is not None else None


def report_pdf(slug: str, lang: str) -> bytes | None:
    """The PDF rendered when the report was approved (it carries no story: see README)."""
    page = db.session.scalar(select(PublicPage).where(
        PublicPage.kind == "report", PublicPage.slug == slug, PublicPage.status == PUBLISHED))
    if page is None:
        return None
    return page.pdf_ar if lang == "ar" else page.pdf_en


def last_change() -> datetime | None:
    """When anything the public pages show last changed, consents to publish included (so
    a proxy's If-Modified-Since never outlives a withdrawal)."""
    stamps = [
        db.session.scalar(select(func.max(PublicSnapshot.approved_at))),
        db.session.scalar(select(func.max(PublicPage.updated_at))),
        db.session.scalar(select(func.max(PublicStory.updated_at))),
        db.session.scalar(select(func.max(FamilyConsent.recorded_at))
                          .where(FamilyConsent.kind == "publish")),
        db.session.scalar(select(func.max(FamilyConsent.withdrawn_at))
                          .where(FamilyConsent.kind == "publish")),
    ]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None
