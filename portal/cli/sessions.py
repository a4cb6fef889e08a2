"""`flask --app portal sessions …`: server-side sessions."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db

sessions_cli = AppGroup("sessions", help="Server-side sessions.")


@sessions_cli.command("purge")
def sessions_purge() -> None:
    """Delete expired server-side sessions."""
    from ..sessions import purge_expired
    count = purge_expired(current_app)
    db.session.commit()
    click.echo(f"Removed {count} expired sessions.")
