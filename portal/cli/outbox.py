"""`flask --app portal outbox …`: outgoing mail."""

from __future__ import annotations

import click
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="Outgoing mail.")


@outbox_cli.command("send")
def outbox_send() -> None:
    """Deliver outbox messages that are still waiting (for example after an SMTP outage)."""
    from ..services.mail import deliver_pending
    click.echo(f"Delivered {deliver_pending()} messages.")
