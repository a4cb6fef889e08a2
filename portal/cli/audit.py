"""`flask --app portal audit …`: check the hash-chained audit log and anchor its head."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..services import audit

audit_cli = AppGroup("audit", help="Check the audit log.")


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
