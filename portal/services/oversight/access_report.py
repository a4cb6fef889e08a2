"""The access report (SECURITY.md T12, G5): who opened, exported or downloaded
what and when, and every refused attempt, read from the audit log.

Three scopes, decided here and nowhere else:
- `all` (admins, the auditor right): every account, the office's own included;
- `partners` (staff): the accounts of partner organisations — the sharing they oversee;
- `colleagues` (a partner_manager): their own organisation's reads, exports and
  downloads; never refusals (they would name cases outside the subset), never another
  organisation's or the office's activity.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select

from ...extensions import db
from ...models import AuditEvent, Case, Organization, User
from .. import audit
from ..audit import Actor
from ..cases.exports import END_ACTION

PER_PAGE = 50
REFERRAL_ACTIONS = ("referral_read", "referral_answered", "referral_outcome")
CATEGORIES = {
    "opened": and_(AuditEvent.action == "sensitive_read", AuditEvent.object_type == "case",
                   AuditEvent.outcome == "success"),
    "exported": and_(AuditEvent.action == "cases_exported", AuditEvent.outcome == "success"),
    "downloaded": and_(AuditEvent.action == "pack_download", AuditEvent.outcome == "success"),
    "refused": AuditEvent.outcome == "denied",
    # Referrals of families' needs (issue 17): a referral opened, answered or completed.
    "referrals": and_(AuditEvent.action.in_(REFERRAL_ACTIONS),
                      AuditEvent.object_type == "referral", AuditEvent.outcome == "success"),
}
READ_CATEGORIES = ("opened", "exported", "downloaded", "referrals")
SCOPES = ("all", "partners", "colleagues")
MESSAGES = {
    "date": _l("Write the date as 2026-03-10."),
    "order": _l("The period ends before it starts."),
    "reference": _l("No case has this reference."),
    "choice": _l("Choose a value from the list."),
}


@dataclass
class ReportFilter:
    """The report's filters, parsed from the query string; `errors` names the fields."""

    org: int | None = None
    account: int | None = None
    reference: str = ""
    category: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    case_uid: str | None = None  # the case named by `reference`, once resolved
    errors: list = field(default_factory=list)

    @classmethod
    def parse(cls, args) -> "ReportFilter":
        f = cls()
        for name in ("org", "account"):
            raw = (args.get(name) or "").strip()
            if raw:
                if raw.isdigit() and 0 < int(raw) < 2**31:
                    setattr(f, name, int(raw))
                else:
                    f.errors.append((name, MESSAGES["choice"]))
        f.category = (args.get("category") or "").strip()
        if f.category and f.category not in CATEGORIES:
            f.errors.append(("category", MESSAGES["choice"]))
        f.outcome = (args.get("outcome") or "").strip()
        if f.outcome and f.outcome not in ("success", "denied"):
            f.errors.append(("outcome", MESSAGES["choice"]))
        for name in ("date_from", "date_to"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, dt.date.fromisoformat(raw))
                except ValueError:
                    f.errors.append((name, MESSAGES["date"]))
        if f.date_from and f.date_to and f.date_to < f.date_from:
            f.errors.append(("date_to", MESSAGES["order"]))
        f.reference = (args.get("reference") or "").strip().upper()[:20]
        return f

    def resolve_case(self) -> None:
        """Turn the typed reference into the case's uid (deleted cases included)."""
        if self.reference:
            self.case_uid = db.session.scalar(select(Case.uid).where(
                Case.reference == self.reference))
            if self.case_uid is None:
                self.errors.append(("reference", MESSAGES["reference"]))

    def params(self) -> dict:
        """The filters as query-string values (for the pager and the CSV link)."""
        out = {"org": self.org, "account": self.account, "reference": self.reference,
               "category": self.category, "outcome": self.outcome,
               "date_from": self.date_from and self.date_from.isoformat(),
               "date_to": self.date_to and self.date_to.isoformat()}
        return {k: v for k, v in out.items() if v}

    def audit_detail(self) -> dict:
        """What the audit entry of a report read keeps: ids and which filters were used."""
        return {"org": self.org, "account": self.account,
                "case": bool(self.case_uid), "category": self.category or None,
                "filters": len(self.params())}


def partner_org_ids() -> Select:
    return select(Organization.id).where(Organization.kind != "office")


def _scoped(stmt: Select, scope: str, viewer: User) -> Select:
    if scope == "all":
        return stmt.where(or_(*CATEGORIES.values()))
    if scope == "partners":
        return stmt.where(or_(*CATEGORIES.values()),
                          AuditEvent.actor_org_id.in_(partner_org_ids()))
    if scope == "colleagues":
        return stmt.where(or_(*(CATEGORIES[c] for c in READ_CATEGORIES)),
                          AuditEvent.actor_org_id == viewer.organization_id)
    raise ValueError(scope)  # fail closed on an unknown scope


def _filtered(stmt: Select, f: ReportFilter) -> Select:
    if f.org:
        stmt = stmt.where(AuditEvent.actor_org_id == f.org)
    if f.account:
        stmt = stmt.where(AuditEvent.actor_id == f.account)
    if f.case_uid:
        stmt = stmt.where(AuditEvent.object_type == "case", AuditEvent.object_id == f.case_uid)
    if f.category:
        stmt = stmt.where(CATEGORIES[f.category])
    if f.outcome:
        stmt = stmt.where(AuditEvent.outcome == f.outcome)
    if f.date_from:
        stmt = stmt.where(AuditEvent.ts >= _midnight(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEvent.ts < _midnight(f.date_to + dt.timedelta(days=1)))
    return stmt


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def report_query(scope: str, viewer: User, f: ReportFilter) -> Select:
    """The report's events, newest first (times are UTC)."""
    return _filtered(_scoped(select(AuditEvent), scope, viewer), f).order_by(
        AuditEvent.seq.desc())


def summary_by_org(scope: str, viewer: User, f: ReportFilter) -> list[dict]:
    """Per organisation: how many openings, exports, downloads and refusals match."""
    sums = [func.sum(case((cond, 1), else_=0)).label(name) for name, cond in CATEGORIES.items()]
    stmt = _filtered(_scoped(select(AuditEvent.actor_org_id, *sums), scope, viewer),
                     f).group_by(AuditEvent.actor_org_id)
    names = {o.id: o for o in db.session.scalars(select(Organization))}
    return [{"org": names.get(row.actor_org_id),
             **{n: int(getattr(row, n) or 0) for n in CATEGORIES}}
            for row in db.session.execute(stmt)]


def category_of(event: AuditEvent) -> str:
    if event.outcome == "denied":
        return "refused"
    if event.action in REFERRAL_ACTIONS:
        return "referrals"
    return {"sensitive_read": "opened", "cases_exported": "exported",
            "pack_download": "downloaded"}.get(event.action, "")


def rows_for(events: list[AuditEvent], *, case_filter: Select | None = None) -> list[dict]:
    """Display rows for a page of events: account, organisation, case reference.

    `case_filter` (a Select of visible cases) hides the reference of any case outside it.
    """
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in events if e.actor_id})))}
    orgs = {o.id: o for o in db.session.scalars(select(Organization).where(
        Organization.id.in_({e.actor_org_id for e in events if e.actor_org_id})))}
    uids = {e.object_id for e in events if e.object_type == "case" and e.object_id}
    source = case_filter if case_filter is not None else select(Case)
    refs = dict(db.session.execute(source.with_only_columns(Case.uid, Case.reference)
                                   .where(Case.uid.in_(uids))).all()) if uids else {}
    ends = _export_ends([e.seq for e in events if e.action == "cases_exported"])
    return [{"event": e, "user": users.get(e.actor_id), "org": orgs.get(e.actor_org_id),
             "category": category_of(e), "reference": refs.get(e.object_id),
             "detail": {**json.loads(e.detail or "{}"), **ends.get(str(e.seq), {})}}
            for e in events]


def _export_ends(seqs: list[int]) -> dict[str, dict]:
    """{export's seq: what the entry ending its stream recorded (count, complete)}: a
    streamed export learns how many cases it held only when its stream ends."""
    if not seqs:
        return {}
    rows = db.session.execute(select(AuditEvent.object_id, AuditEvent.detail).where(
        AuditEvent.action == END_ACTION, AuditEvent.object_type == "export",
        AuditEvent.object_id.in_([str(s) for s in seqs])))
    return {started: json.loads(detail or "{}") for started, detail in rows}


def record_read(actor: Actor, *, scope: str, f: ReportFilter, page: int, what: str) -> None:
    """Reading (or exporting) the access report is itself a sensitive read."""
    audit.record(what, actor, object_type="report", object_id=scope,
                 detail={**f.audit_detail(), "page": page})


# --- CSV ------------------------------------------------------------------------------

CSV_COLUMNS = ("time_utc", "account_id", "account_email", "organisation", "category",
               "action", "outcome", "object_type", "object", "detail")


def csv_records(stmt: Select, *, chunk: int = 500) -> Iterator[dict]:
    """Every event of `stmt` as a CSV record, read in chunks (keyset on seq, each chunk
    its own short read transaction), so a long report streams in constant memory."""
    last = None
    while True:
        page = stmt if last is None else stmt.where(AuditEvent.seq < last)
        events = db.session.scalars(page.limit(chunk)).all()
        if not events:
            return
        for row in rows_for(events):
            e = row["event"]
            yield {"time_utc": e.ts.isoformat(timespec="seconds"),
                   "account_id": e.actor_id or "",
                   "account_email": row["user"].email if row["user"] else "",
                   "organisation": row["org"].name_en if row["org"] else "",
                   "category": row["category"], "action": e.action, "outcome": e.outcome,
                   "object_type": e.object_type, "object": row["reference"] or e.object_id,
                   "detail": json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
                   if row["detail"] else ""}
        last = events[-1].seq
        db.session.rollback()  # end the read transaction (SQLite: release the lock)


def csv_stream(records: Iterator[dict]) -> Iterator[str]:
    """CSV text (UTF-8 with BOM for spreadsheets), every cell formula-neutralised (E5)."""
    from ..cases.exports import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(CSV_COLUMNS)
    for record in records:
        yield line(record[c] for c in CSV_COLUMNS)
