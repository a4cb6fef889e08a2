"""`flask --app portal briefings …`: render a pack from the command line, expire old packs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from ..extensions import db
from ..labels.briefings import DEFAULT_SECTIONS, RENDER_ERRORS, SECTIONS, label
from ..services.audit import Actor
from ..services.briefings import data, packs
from .options import find_organization

briefings_cli = AppGroup("briefings", help="Briefing packs (PDF).")


@briefings_cli.command("render")
@click.option("--org", "org_ref", required=True, help="Recipient organisation id or English name.")
@click.option("--lang", type=click.Choice(["ar", "en"]), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--sections", default=",".join(DEFAULT_SECTIONS), show_default=True,
              help="Comma-separated sections.")
@click.option("--sample", type=int, default=0,
              help="Render N fictional sample cases instead of the register (not recorded).")
def render_command(org_ref: str, lang: str, out: str, sections: str, sample: int) -> None:
    """Render a pack of every case the organisation may see into FILE.pdf (recorded)."""
    from ..models import BriefingPack, utcnow
    from ..models.briefings import new_document_id
    from ..services.briefings.samples import sample_cases, sample_events

    org = find_organization(org_ref)
    chosen = [s for s in sections.split(",") if s in SECTIONS]
    if not chosen:
        raise click.ClickException(f"Choose sections among: {', '.join(SECTIONS)}.")
    pack = BriefingPack(document_id=new_document_id(), organization=org, language=lang,
                        created_at=utcnow(), expires_at=utcnow() + timedelta(
                            days=int(current_app.config["PACK_RETENTION_DAYS"])))
    pack.selection, pack.sections = data.Selection().to_dict(), chosen
    cases = events = None
    if sample:
        cases, events = sample_cases(sample), sample_events()
    else:
        db.session.add(pack)
        db.session.flush()
    actor = Actor.system()
    if not packs.generate_pack(pack, actor=actor, cases=cases, events=events):
        db.session.commit() if not sample else db.session.rollback()
        with force_locale("en"):
            raise click.ClickException(label(RENDER_ERRORS, pack.error))
    source = packs.pack_dir() / pack.file_name
    Path(out).write_bytes(source.read_bytes())
    if sample:
        source.unlink(missing_ok=True)
        db.session.rollback()
    else:
        pack.file_name = ""  # the copy handed out is FILE.pdf; the record stays for checks
        db.session.commit()
    click.echo(f"Wrote {out}: {pack.page_count} pages, {pack.case_count} cases, "
               f"document id {pack.document_id}, SHA-256 {pack.checksum}.")


@briefings_cli.command("expire")
def expire_command() -> None:
    """Delete the files of packs past PACK_RETENTION_DAYS (the records stay)."""
    count = packs.expire_packs()
    db.session.commit()
    click.echo(f"Expired {count} packs.")
