"""`flask --app portal demo …`: fictional demonstration data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db

demo_cli = AppGroup("demo", help="Fictional demonstration data.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load fictional organisations and accounts (and what later areas add); print the logins."""
    from ..demo import load_demo
    if not current_app.config["DEMO_MODE"]:
        # Demo accounts have a published password: they only exist where demo mode is on.
        raise click.ClickException("Demo data loads only in demo mode (PORTAL_DEMO_MODE=1), "
                                   "never into a production database.")
    logins = load_demo()
    db.session.commit()
    click.echo("Demo data loaded (all of it fictional). Demo logins:")
    for email, password, role in logins:
        click.echo(f"  {role:16} {email:32} {password}")
