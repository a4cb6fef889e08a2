"""Alerts to the office (SECURITY.md T1, T12, §4.7): a partner account that opens or
downloads unusually many cases within an hour, and every refused attempt at a case outside
an organisation's subset.

The alerts watch the audit log as it is written (audit.LISTENERS), in the transaction of
the read or refusal, so anything that records `sensitive_read`, `pack_download`,
`cases_exported` (and the end of an export's stream) or a case `authz_fail` is covered,
whichever area wrote it. An alert is a Notice shown to the office in the portal and a
message through the outbox. Office accounts' own work never raises one, and repeats within
the hour fold into one notice per account and kind (its count grows; one mail), so there is
no alert storm.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from ...extensions import db
from ...models import AuditEvent, BriefingPack, Case, Notice, Role, User
from .. import audit
from ..audit import Actor
from ..cases.exports import END_ACTION
from ..mail import queue_mail

log = logging.getLogger("portal.alerts")

HOUR = timedelta(hours=1)
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OPEN_ACTION = "sensitive_read"  # opening a case (object_type "case")
EXPORT_ACTION = "cases_exported"
DOWNLOAD_ACTIONS = ("pack_download", EXPORT_ACTION, END_ACTION)
REFUSAL_ACTION = "authz_fail"


def _partner(actor: Actor) -> User | None:
    """The acting account when it acts for a partner organisation: a partner's account, or
    an office account whose API token belongs to a partner (the token's organisation is the
    actor's). Office work is never alerted on; None for the system and anonymous requests."""
    if actor is None or actor.user_id is None:
        return None
    user = db.session.get(User, actor.user_id)  # already loaded for the request
    if user is None:
        return None
    if user.is_office and actor.org_id in (None, user.organization_id):
        return None
    return user


def watch(event: AuditEvent, actor: Actor) -> None:
    """Audit listener: raise or extend a notice on a partner's reads and refusals."""
    if event.action == OPEN_ACTION and event.object_type == "case" \
            or event.action in DOWNLOAD_ACTIONS:
        if event.action == EXPORT_ACTION and json.loads(event.detail or "{}").get(
                "count") is None:
            return  # a streamed export: the entry ending its stream holds the count
        if event.outcome == "success" and (user := _partner(actor)) is not None:
            _check_bulk_reads(user, event.ts, actor)
    elif event.action == REFUSAL_ACTION and event.object_type == "case" and event.object_id:
        if (user := _partner(actor)) is not None:
            case_id = json.loads(event.detail or "{}").get("case")
            _raise(user, "refused_case", now=event.ts, actor=actor, case_id=case_id)


def cases_read_since(user_id: int, since: datetime, *, org_id: int | None = None) -> int:
    """Cases an account opened (distinct) or downloaded (packs, exports) since `since`;
    with `org_id`, only what it read for that organisation (an office account's token)."""
    mine = (AuditEvent.actor_id == user_id, AuditEvent.ts >= since,
            AuditEvent.outcome == "success",
            *((AuditEvent.actor_org_id == org_id,) if org_id is not None else ()))
    opened = db.session.scalar(select(func.count(distinct(AuditEvent.object_id))).where(
        *mine, AuditEvent.action == OPEN_ACTION, AuditEvent.object_type == "case")) or 0
    in_packs = db.session.scalar(
        select(func.coalesce(func.sum(BriefingPack.case_count), 0)).select_from(AuditEvent)
        .join(BriefingPack, BriefingPack.document_id == AuditEvent.object_id)
        .where(*mine, AuditEvent.action == "pack_download")) or 0
    # An export (or a page of the API) records how many cases it held: beforehand when it
    # knows, or else in the entry ending its stream. An export whose end is not recorded
    # (yet) counts as one case.
    ends = {started: int(json.loads(d or "{}").get("count") or 0)
            for started, d in db.session.execute(select(AuditEvent.object_id, AuditEvent.detail)
                                                 .where(*mine,
                                                        AuditEvent.action == END_ACTION))}
    exported = sum(ends.values())
    for seq, d in db.session.execute(select(AuditEvent.seq, AuditEvent.detail).where(
            *mine, AuditEvent.action == EXPORT_ACTION)):
        count = json.loads(d or "{}").get("count")
        exported += int(count) if count is not None else (0 if str(seq) in ends else 1)
    return int(opened) + int(in_packs) + exported


def _check_bulk_reads(user: User, now: datetime, actor: Actor) -> None:
    threshold = current_app.config["ALERT_READS_PER_HOUR"]
    if not threshold:
        return
    count = cases_read_since(user.id, now - HOUR,
                             org_id=actor.org_id if user.is_office else None)
    if count >= threshold:
        _raise(user, "bulk_reads", now=now, actor=actor, count=count)


def _raise(user: User, kind: str, *, now: datetime, actor: Actor, count: int | None = None,
           case_id: int | None = None) -> Notice:
    """A new notice, or the account's notice of this kind from the last hour, extended."""
    notice = db.session.scalar(
        select(Notice).where(Notice.user_id == user.id, Notice.kind == kind,
                             Notice.created_at > now - HOUR)
        .order_by(Notice.created_at.desc()).limit(1))
    if notice is not None:
        notice.count = count if count is not None else notice.count + 1
        notice.last_at = now
        return notice
    if case_id is not None and db.session.get(Case, case_id) is None:
        case_id = None
    notice = Notice(kind=kind, user_id=user.id,
                    organization_id=actor.org_id or user.organization_id,
                    case_id=case_id, count=count or 1, created_at=now, last_at=now)
    db.session.add(notice)
    db.session.flush()
    audit.record("alert_raised", Actor(None, None, request_id=actor.request_id),
                 object_type="notice", object_id=notice.id,
                 detail={"kind": kind, "user": user.id, "org": notice.organization_id})
    _mail_office(notice)
    log.warning("Notice %s (%s) raised about user %s", notice.id, kind, user.id)
    return notice


def _notices_link() -> str:
    try:
        return url_for("notices.index", _external=True)
    except RuntimeError:
        return "/notices/"


def _mail_text(notice: Notice) -> tuple[str, str]:
    # Identifiers only: the mail may travel over networks the portal does not control.
    values = {"account": notice.user_id, "org": notice.organization_id,
              "count": notice.count, "link": _notices_link(),
              "threshold": current_app.config["ALERT_READS_PER_HOUR"]}
    if notice.kind == "bulk_reads":
        return (_("Unusually many cases read by a partner account"),
                _("Account %(account)s (organisation %(org)s) opened or downloaded %(count)s "
                  "cases within an hour; the alert threshold is %(threshold)s. Check with the "
                  "organisation through a known channel, and see the notice and the access "
                  "report in the portal: %(link)s", **values))
    return (_("Refused attempt at a case outside an organisation's subset"),
            _("Account %(account)s (organisation %(org)s) asked for a case that is not shared "
              "with its organisation, or that does not exist. Further attempts within the "
              "hour are added to the same notice: %(link)s", **values))


def _mail_office(notice: Notice) -> None:
    """Mail OFFICE_ALERT_EMAIL (in the default language) or else every active admin (in
    their own language), through the outbox: it leaves when the transaction commits."""
    address = current_app.config.get("OFFICE_ALERT_EMAIL")
    if address:
        recipients = [(address, current_app.config["BABEL_DEFAULT_LOCALE"])]
    else:
        recipients = [(u.email, u.preferred_locale or current_app.config["BABEL_DEFAULT_LOCALE"])
                      for u in db.session.scalars(select(User).where(
                          User.role == Role.admin.value, User.active.is_(True))
                          .order_by(User.id))]
    for recipient, locale in recipients:
        with force_locale(locale):
            subject, body = _mail_text(notice)
        queue_mail(recipient, subject, body)


def record_case_refusal(uid: object, actor: Actor, user, *, detail: dict) -> None:
    """Audit a refused request for a case (a 404 on a case route) as `authz_fail`.

    Called by the 404 handler (portal/web.py) for endpoints whose policy object is a case.
    A case the user can see (a missing timeline entry, say) is not a refusal. The same
    queries run whether or not the case exists, so timing tells a partner nothing. A
    malformed id is recorded without it (it may be anything) and raises no alert.
    """
    from ...access import effective_tier, visible_cases

    text = uid if isinstance(uid, str) and UUID_RE.match(uid) else ""
    case = db.session.scalar(select(Case).where(Case.uid == text)) if text else None
    visible = db.session.scalar(visible_cases(user).with_only_columns(Case.id)
                                .where(Case.uid == text)) if text else None
    if visible is not None and effective_tier(user, case) is not None:
        return
    audit.record(REFUSAL_ACTION, actor, object_type="case", object_id=text, outcome="denied",
                 detail={**detail, "case": case.id if case else None})


def acknowledge(notice: Notice, *, actor: Actor) -> None:
    """Mark a notice as dealt with (it leaves the header count; it stays in the list)."""
    if notice.acknowledged_at is None:
        from ...models import utcnow
        notice.acknowledged_at, notice.acknowledged_by_id = utcnow(), actor.user_id
        db.session.flush()
        audit.record("notice_acknowledged", actor, object_type="notice", object_id=notice.id)


# Built once: the header runs it on every office page (a count on the covering index of
# acknowledged_at), and building the statement cost about as much as running it.
_OPEN_COUNT = select(func.count()).select_from(Notice).where(Notice.acknowledged_at.is_(None))


def open_count() -> int:
    """Notices nobody has acknowledged yet (the count in the office's header)."""
    return db.session.connection().scalar(_OPEN_COUNT) or 0


def init_app(app) -> None:
    if watch not in audit.LISTENERS:
        audit.LISTENERS.append(watch)
