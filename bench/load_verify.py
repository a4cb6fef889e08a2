"""Checks after the load run, in the portal's environment (bench.loadrun calls them):

    python -m bench.load_verify acks ACKS.jsonl     # every acknowledged write, once, audited
    python -m bench.load_verify restore BACKUP      # restore into this empty database, compare

`acks`: for each kind of acknowledged write (bench/locustfile.py wrote one JSON line each):

- edit: the case's internal notes hold the value of the LAST acknowledged edit of that case
  (each case is edited by one simulated person, one edit at a time), and the audit log has
  at least one `case_updated` entry per acknowledged edit of the case;
- grant: exactly one grant with the acknowledged id and that purpose (a unique token), and
  its `share_change` audit entry;
- submission: exactly one submission with that uid and text, and its `submission_created`
  audit entry;
- rsvp: the organisation's answer to the event is the last acknowledged one, and the audit
  log has at least as many `event_rsvp` entries by that person as acknowledgements;
- pack: the pack exists (its state is reported: done, failed, queued).

Prints one JSON line: acknowledged, lost, duplicated, by_kind, problems (at most 20).

`restore`: restores the backup (portal.backup.restore_backup: verified, then one transaction),
then takes a new snapshot of the restored database in memory and compares every table's row
count and digest with the backup's manifest. Prints one JSON line with the mismatches.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter, defaultdict


def check_acks(path: str) -> dict:
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import AuditEvent, BriefingPack, Case, ShareGrant, User
    from portal.models.events import Rsvp
    from portal.models.oversight import PartnerSubmission

    acks = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    by_kind = Counter(a["kind"] for a in acks)
    lost, duplicated, problems = 0, 0, []
    packs = Counter()

    def problem(text: str) -> None:
        if len(problems) < 20:
            problems.append(text)

    app = create_app()
    with app.app_context():
        def audit_count(action: str, object_id: str, actor_id: int | None = None) -> int:
            query = select(func.count(AuditEvent.id)).where(
                AuditEvent.action == action, AuditEvent.object_id == str(object_id))
            if actor_id is not None:
                query = query.where(AuditEvent.actor_id == actor_id)
            return db.session.scalar(query)

        users = {u.email: u.id for u in db.session.scalars(select(User))}
        edits = defaultdict(list)
        rsvps = defaultdict(list)
        for a in sorted(acks, key=lambda a: a["t"]):
            if a["kind"] == "edit":
                edits[a["key"]].append(a)
            elif a["kind"] == "rsvp":
                rsvps[a["key"]].append(a)
            elif a["kind"] == "grant":
                rows = db.session.scalars(select(ShareGrant).where(
                    ShareGrant.purpose == a["value"])).all()
                if not rows or str(rows[0].id) != a["key"]:
                    lost += 1
                    problem(f"grant {a['key']} ({a['value']}) not found")
                elif len(rows) > 1:
                    duplicated += len(rows) - 1
                    problem(f"grant {a['value']} saved {len(rows)} times")
                if rows and audit_count("share_change", rows[0].id) < 1:
                    lost += 1
                    problem(f"grant {a['key']} has no audit entry")
            elif a["kind"] == "submission":
                rows = db.session.scalars(select(PartnerSubmission).where(
                    PartnerSubmission.text == a["value"])).all()
                if not rows or rows[0].uid != a["key"]:
                    lost += 1
                    problem(f"submission {a['key']} not found")
                elif len(rows) > 1:
                    duplicated += len(rows) - 1
                    problem(f"submission {a['value']} saved {len(rows)} times")
                elif audit_count("submission_created", a["key"]) != 1:
                    problem(f"submission {a['key']}: "
                            f"{audit_count('submission_created', a['key'])} audit entries")
                    duplicated += audit_count("submission_created", a["key"]) > 1
                    lost += audit_count("submission_created", a["key"]) == 0
            elif a["kind"] == "pack":
                pack = db.session.scalar(select(BriefingPack).where(
                    BriefingPack.document_id == a["key"]))
                if pack is None:
                    lost += 1
                    problem(f"pack {a['key']} not found")
                else:
                    packs[pack.status] += 1
        for uid, items in edits.items():
            case = db.session.scalar(select(Case).where(Case.uid == uid))
            if case is None or case.internal_notes != items[-1]["value"]:
                lost += 1
                problem(f"case {uid}: the last acknowledged edit is not what is stored")
            entries = audit_count("case_updated", uid)
            if entries < len(items):
                lost += len(items) - entries
                problem(f"case {uid}: {len(items)} edits acknowledged, {entries} audited")
        for key, items in rsvps.items():
            event_id, org_id = (int(x) for x in key.split(":"))
            row = db.session.scalar(select(Rsvp).where(Rsvp.event_id == event_id,
                                                       Rsvp.organization_id == org_id))
            response, seats = items[-1]["value"].split(":")
            if row is None or row.response != response:
                lost += 1
                problem(f"rsvp {key}: stored {row.response if row else None}, "
                        f"last acknowledged {response}")
            per_user = Counter(i["user"] for i in items)
            for email, count in per_user.items():
                entries = audit_count("event_rsvp", event_id, users.get(email))
                if entries < count:
                    lost += count - entries
                    problem(f"rsvp {key} by {email}: {count} acknowledged, {entries} audited")
    return {"acknowledged": len(acks), "lost": lost, "duplicated": duplicated,
            "by_kind": dict(by_kind), "packs": dict(packs), "problems": problems}


def restore_and_compare(path: str) -> dict:
    from portal import create_app
    from portal.backup import create_backup, restore_backup
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        started = time.monotonic()
        manifest = restore_backup(path)
        db.session.commit()
        restore_s = round(time.monotonic() - started, 1)
        with tempfile.TemporaryDirectory() as tmp:
            again = create_backup(f"{tmp}/again.backup")
    mismatches = [name for name, table in manifest["tables"].items()
                  if again["tables"].get(name) != table]
    return {"restore_s": restore_s, "tables": len(manifest["tables"]),
            "rows": sum(t["rows"] for t in manifest["tables"].values()),
            "mismatches": len(mismatches), "mismatched_tables": mismatches[:20]}


if __name__ == "__main__":
    what, target = sys.argv[1], sys.argv[2]
    result = check_acks(target) if what == "acks" else restore_and_compare(target)
    print(json.dumps(result, ensure_ascii=False))
