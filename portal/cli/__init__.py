"""Command-line groups: `flask --app portal <group> <command>`, one module per group.

Each command parses its options, calls a service, commits and echoes a result.
"""

from __future__ import annotations

from flask import Flask

from .audit import audit_cli
from .backup import backup_cli
from .briefings import briefings_cli
from .cases import cases_cli
from .demo import demo_cli
from .outbox import outbox_cli
from .sessions import sessions_cli
from .translate import translate_cli
from .users import users_cli


def register(app: Flask) -> None:
    for group in (users_cli, audit_cli, demo_cli, translate_cli, sessions_cli, outbox_cli,
                  backup_cli, cases_cli, briefings_cli):
        app.cli.add_command(group)
