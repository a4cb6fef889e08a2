"""Domain verbs of briefing packs: request, generate, download, verify, expire.

They flush and never commit; the view, the CLI command or the background job that calls
them commits (jobs.py commits progress as it goes). Audit details hold ids and counts only.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ...extensions import db
from ...models import BriefingPack, Organization, PackStatus, User, utcnow
from ...models.briefings import ACTIVE_STATUSES, normalise_document_id
from .. import audit
from ..audit import Actor
from . import data
from .context import PackInfo
from .render import pack_title, render_pack
from .sandbox import RenderError, get_pool

log = logging.getLogger("portal.briefings")
Progress = Callable[[int], None]


class PackLimitReached(Exception):
    """One pack at a time per user, and PACK_MAX_PER_HOUR per hour (SECURITY.md §4.7)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "concurrent" | "hourly"


class PackOutdated(Exception):
    """What the recipient may see changed since the pack was made (SECURITY.md A7)."""


def pack_dir() -> Path:
    path = Path(current_app.config["PACK_DIR"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def fingerprint(recipient_id: int, cases: list[dict]) -> str:
    """SHA-256 over the recipient and the (case, tier) pairs a pack shows."""
    pairs = sorted(f"{c.get('uid')}:{c.get('tier')}" for c in cases)
    return hashlib.sha256("\n".join([str(recipient_id), *pairs]).encode()).hexdigest()


def _fail_stale(now) -> int:
    """Packs left queued or running by a process that died: marked failed ("stale")."""
    cutoff = now - timedelta(seconds=2 * float(current_app.config["PACK_WALL_SECONDS"]) + 600)
    stale = db.session.scalars(select(BriefingPack).where(
        BriefingPack.status.in_(ACTIVE_STATUSES), BriefingPack.created_at < cutoff)).all()
    for pack in stale:
        pack.status, pack.error, pack.finished_at = PackStatus.failed.value, "stale", now
    return len(stale)


def check_limits(user: User) -> None:
    """Raise PackLimitReached when `user` has a pack in progress or used the hourly quota."""
    now = utcnow()
    _fail_stale(now)
    mine = select(func.count(BriefingPack.id)).where(BriefingPack.created_by_id == user.id)
    if db.session.scalar(mine.where(BriefingPack.status.in_(ACTIVE_STATUSES))):
        raise PackLimitReached("concurrent")
    recent = db.session.scalar(mine.where(BriefingPack.created_at > now - timedelta(hours=1)))
    if recent >= int(current_app.config["PACK_MAX_PER_HOUR"]):
        raise PackLimitReached("hourly")


def request_pack(user: User, recipient: Organization, *, language: str,
                 selection: data.Selection, sections: list[str], covering_note: str,
                 actor: Actor) -> BriefingPack:
    """Record a queued pack for `recipient` after the rate limits; audit the request."""
    check_limits(user)
    days = int(current_app.config["PACK_RETENTION_DAYS"])
    pack = BriefingPack(created_by_id=user.id, organization_id=recipient.id, language=language,
                        covering_note=covering_note.strip(), expires_at=utcnow() + timedelta(days=days))
    pack.selection, pack.sections = selection.to_dict(), sections
    db.session.add(pack)
    db.session.flush()
    audit.record("pack_requested", actor, object_type="pack", object_id=pack.document_id,
                 detail={"org": recipient.id, "language": language, "mode": selection.mode,
                         "sections": len(sections)})
    log.info("Briefing pack %r requested for organisation %s by user %s", pack, recipient.id,
             user.id)
    return pack


def _fail(pack: BriefingPack, code: str, actor: Actor, **detail) -> None:
    pack.status, pack.error, pack.finished_at = PackStatus.failed.value, code, utcnow()
    audit.record("pack_failed", actor, object_type="pack", object_id=pack.document_id,
                 outcome="failure", detail={"error": code, **detail})


def _store(pack: BriefingPack, pdf: bytes) -> None:
    """Write the PDF atomically, readable by the portal's user only."""
    target = pack_dir() / pack.download_name
    temporary = target.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pdf)
    os.replace(temporary, target)
    pack.file_name = target.name
    pack.size_bytes = len(pdf)
    pack.checksum = hashlib.sha256(pdf).hexdigest()


def generate_pack(pack: BriefingPack, *, actor: Actor, cases: list[dict] | None = None,
                  events: list[dict] | None = None, progress: Progress | None = None) -> bool:
    """Build, render and store the pack's PDF; True when done, False when it failed.

    `cases` and `events` may be given by a caller that already has them (the CLI's samples);
    otherwise they come from data.pack_cases() and data.pack_events(). Failures are recorded on the pack (status failed, error code) and in
    the audit log; a resource the fetcher refused is also a security event.
    """
    report = progress or (lambda _pct: None)
    pack.status, pack.started_at, pack.progress = PackStatus.running.value, utcnow(), 5
    report(5)
    recipient = pack.organization
    try:
        if cases is None:
            cases = data.pack_cases(recipient, data.Selection.from_dict(pack.selection))
    except data.PackDataUnavailable:
        _fail(pack, "data", actor)
        return False
    if not cases:
        _fail(pack, "empty", actor)
        return False
    try:
        if events is None and "events" in pack.sections:
            events = data.pack_events(recipient)
    except data.PackDataUnavailable:
        events = None  # the section is left out rather than shown empty
    pack.case_count, pack.fingerprint = len(cases), fingerprint(recipient.id, cases)
    info = PackInfo(document_id=pack.document_id, language=pack.language,
                    recipient_ar=recipient.name_ar, recipient_en=recipient.name_en,
                    created_at=pack.created_at, sections=tuple(pack.sections),
                    covering_note=pack.covering_note)
    families = _family_figures(pack) if "families" in pack.sections else None
    html, css = render_pack(info, cases, events, current_app.config["PACK_OFFICE_CONTACTS"],
                            families)
    pack.progress = 30
    report(30)
    expected = 1.0 + 0.02 * len(cases)
    try:
        result = get_pool(current_app.config).render(
            html, css, title=pack_title(pack.language), lang=pack.language,
            on_wait=lambda elapsed: report(30 + int(65 * min(elapsed / expected, 0.95))))
    except RenderError as exc:
        if exc.code == "asset":
            audit.record("malicious_pdf_fetch", actor, object_type="pack",
                         object_id=pack.document_id, outcome="denied",
                         detail={"blocked": len(exc.blocked)})
        _fail(pack, exc.code, actor)
        return False
    _store(pack, result.pdf)
    pack.page_count, pack.progress = result.pages, 100
    pack.status, pack.finished_at = PackStatus.done.value, utcnow()
    audit.record("pack_generated", actor, object_type="pack", object_id=pack.document_id,
                 detail={"cases": len(cases), "pages": result.pages})
    log.info("Briefing pack %r generated: %s cases, %s pages", pack, len(cases), result.pages)
    report(100)
    return True


def _family_figures(pack: BriefingPack) -> dict | None:
    """The "Support to families" section: aggregates of the pack's year so far, with small
    cells suppressed (services/family_reports); None leaves the section out."""
    from flask_babel import force_locale

    from ..family_reports import pack_section
    try:
        with force_locale(pack.language):
            return pack_section(pack.created_at.year, pack.language)
    except Exception:  # the section is left out rather than failing the whole pack
        log.exception("family figures unavailable for pack %s", pack.document_id)
        return None


def pack_file(pack: BriefingPack) -> Path | None:
    """The stored PDF of a finished, unexpired pack, or None."""
    if pack.status != PackStatus.done.value or not pack.file_name or pack.expires_at <= utcnow():
        return None
    path = pack_dir() / pack.file_name
    return path if path.is_file() else None


def record_download(pack: BriefingPack, *, actor: Actor) -> Path:
    """Check the pack is still what its recipient may see, and audit its download.

    Raises PackOutdated when the recipient's visible cases or tiers changed since (or the
    case data cannot be checked): a pack is never served past a revocation (A7).
    """
    path = pack_file(pack)
    if path is None:
        raise FileNotFoundError(pack.document_id)
    try:
        cases = data.pack_cases(pack.organization, data.Selection.from_dict(pack.selection))
    except data.PackDataUnavailable as exc:
        raise PackOutdated("cannot check") from exc
    if fingerprint(pack.organization_id, cases) != pack.fingerprint:
        audit.record("pack_download", actor, object_type="pack", object_id=pack.document_id,
                     outcome="denied", detail={"reason": "outdated"})
        raise PackOutdated("changed")
    audit.record("pack_download", actor, object_type="pack", object_id=pack.document_id,
                 detail={"org": pack.organization_id, "pages": pack.page_count})
    return path


def find_pack(document_id: str) -> BriefingPack | None:
    """The pack with this document id as typed from a printed page, whatever its state."""
    normalised = normalise_document_id(document_id)
    if not normalised:
        return None
    return db.session.scalar(select(BriefingPack).where(BriefingPack.document_id == normalised))


def expire_packs(*, actor: Actor | None = None) -> int:
    """Remove the files of packs past their retention; the records stay for verification."""
    now = utcnow()
    stale = _fail_stale(now)
    due = db.session.scalars(select(BriefingPack).where(
        BriefingPack.expires_at <= now, BriefingPack.status != PackStatus.expired.value)).all()
    for pack in due:
        if pack.file_name:
            (pack_dir() / pack.file_name).unlink(missing_ok=True)
            (pack_dir() / pack.file_name).with_suffix(".part").unlink(missing_ok=True)
        pack.status, pack.file_name = PackStatus.expired.value, ""
    if due or stale:
        audit.record("pack_expired", actor or Actor.system(), object_type="pack",
                     detail={"expired": len(due), "stale": stale})
    return len(due)
