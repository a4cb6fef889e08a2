"""`flask --app portal backup …`: encrypted backups of the whole database."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services import audit

backup_cli = AppGroup("backup", help="Encrypted backups: create, verify, restore.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_create(path: str) -> None:
    """Write an encrypted backup of the whole database to PATH."""
    from ..backup import create_backup
    audit.record("backup_created", audit.Actor.system(), object_type="backup")
    db.session.commit()
    manifest = create_backup(path)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"Backup written: {len(manifest['tables'])} tables, {rows} rows, "
               f"audit head {manifest['audit_head'][0]}.")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def backup_verify(path: str) -> None:
    """Check a backup's encryption and every table against its manifest; write nothing."""
    from ..backup import BackupError, verify_backup
    try:
        manifest = verify_backup(path)
    except BackupError as exc:
        raise click.ClickException(f"Backup NOT usable: {exc}.")
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"Backup intact: {len(manifest['tables'])} tables, {rows} rows, "
               f"schema {manifest['revision']}.")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(path: str, yes: bool) -> None:
    """Restore PATH into this empty, migrated database (verified first; all or nothing)."""
    from ..backup import BackupError, restore_backup
    if not yes:
        click.confirm("Replace the contents of this database with the backup?", abort=True)
    try:
        manifest = restore_backup(path)
        audit.record("backup_restored", audit.Actor.system(), object_type="backup",
                     detail={"revision": manifest["revision"]})
        db.session.commit()
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(f"Nothing restored: {exc}.")
    report = audit.verify_chain(tuple(manifest["audit_head"]))
    click.echo(f"Restored {sum(t['rows'] for t in manifest['tables'].values())} rows; "
               f"audit log {'intact' if report.ok else 'NOT intact: ' + report.problem}.")
