"""Command-line groups: `flask --app portal <group> <command>`.

Each command parses its options, calls a service, commits and echoes a result.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .cli_options import find_organization
from .extensions import db
from .models import Role
from .services import audit

ROOT = Path(__file__).resolve().parent.parent

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="Check the audit log.")
demo_cli = AppGroup("demo", help="Fictional demonstration data.")
translate_cli = AppGroup("translate", help="Extract, update and compile the catalogues.")
sessions_cli = AppGroup("sessions", help="Server-side sessions.")
outbox_cli = AppGroup("outbox", help="Outgoing mail.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--org", "org_ref", required=True, help="Organisation id or English name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, org_ref: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account with a password; it enrols a second factor at first sign-in."""
    from . import passwords
    from .services.accounts.users import find_user_by_email, normalise_email
    from .models import User

    org = find_organization(org_ref)
    if find_user_by_email(email):
        raise click.ClickException("An account with this e-mail address already exists.")
    if (role in ("admin", "staff")) != org.is_office:
        raise click.ClickException("admin and staff belong to the office; partner roles to partners.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = passwords.policy_problem(password)
    if problem:
        raise click.ClickException({"short": "The password needs at least 12 characters.",
                                    "long": "The password may have at most 128 characters.",
                                    "common": "This password is too common."}[problem])
    user = User(email=normalise_email(email), name=name or email.split("@")[0],
                organization=org, role=role, password_hash=passwords.hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("account_created_cli", audit.Actor.system(), object_type="user",
                 object_id=user.id, detail={"role": role})
    db.session.commit()
    click.echo(f"Created {user.email} ({role}) in organisation {org.id}. "
               "A second factor is enrolled at first sign-in.")


@audit_cli.command("verify")
@click.option("--anchor", type=click.Path(dir_okay=False), help="A head exported by `audit anchor`.")
def audit_verify(anchor: str | None) -> None:
    """Check that the audit log has not been altered; exit 1 if it has."""
    head = None
    if anchor:
        seq, digest = Path(anchor).read_text().split()
        head = (int(seq), digest)
    report = audit.verify_chain(head)
    if report.ok:
        click.echo(f"Audit log intact: {report.rows} entries.")
        return
    click.echo(f"Audit log ALTERED: {report.problem} at entry {report.first_broken_seq} "
               f"({report.rows} entries read).", err=True)
    sys.exit(1)


@audit_cli.command("anchor")
@click.argument("path", type=click.Path(dir_okay=False))
def audit_anchor(path: str) -> None:
    """Write the chain head to PATH (keep it off this server) for later `verify --anchor`."""
    seq, digest = audit.chain_head()
    Path(path).write_text(f"{seq} {digest}\n")
    click.echo(f"Anchored entry {seq}.")


@sessions_cli.command("purge")
def sessions_purge() -> None:
    """Delete expired server-side sessions."""
    from .sessions import purge_expired
    count = purge_expired(current_app)
    db.session.commit()
    click.echo(f"Removed {count} expired sessions.")


@outbox_cli.command("send")
def outbox_send() -> None:
    """Deliver outbox messages that are still waiting (for example after an SMTP outage)."""
    from .services.mail import deliver_pending
    click.echo(f"Delivered {deliver_pending()} messages.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load fictional organisations and accounts (and what later areas add); print the logins."""
    from .demo import load_demo
    if not current_app.config["DEMO_MODE"]:
        # Demo accounts have a published password: they only exist where demo mode is on.
        raise click.ClickException("Demo data loads only in demo mode (PORTAL_DEMO_MODE=1), "
                                   "never into a production database.")
    logins = load_demo()
    db.session.commit()
    click.echo("Demo data loaded (all of it fictional). Demo logins:")
    for email, password, role in logins:
        click.echo(f"  {role:16} {email:32} {password}")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("extract")
def translate_extract() -> None:
    """Extract messages into translations/messages.pot."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--add-comments=Translators:",
             "--sort-output", "--no-location", "--omit-header", "-o",
             "translations/messages.pot", ".")


@translate_cli.command("update")
def translate_update() -> None:
    """Merge the template into the ar and en catalogues."""
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations",
             "--ignore-obsolete")


@translate_cli.command("compile")
def translate_compile() -> None:
    """Compile the catalogues into .mo files."""
    _pybabel("compile", "-d", "translations")


def register(app: Flask) -> None:
    from .blueprints.briefings.cli import briefings_cli
    from .cli_cases import cases_cli
    for group in (users_cli, audit_cli, demo_cli, translate_cli, sessions_cli, outbox_cli,
                  backup_cli, cases_cli, briefings_cli):
        app.cli.add_command(group)


backup_cli = AppGroup("backup", help="Encrypted backups: create, verify, restore.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_create(path: str) -> None:
    """Write an encrypted backup of the whole database to PATH."""
    from .backup import create_backup
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
    from .backup import BackupError, verify_backup
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
    from .backup import BackupError, restore_backup
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
