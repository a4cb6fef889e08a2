"""Look-ups for command-line options shared by the command groups."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from ..models import Organization


def find_organization(ref: str) -> Organization:
    """An organisation by id or by its English name (for CLI options)."""
    org = db.session.get(Organization, int(ref)) if ref.isdigit() else db.session.scalar(
        select(Organization).where(Organization.name_en == ref))
    if org is None:
        raise click.ClickException(f"No organisation {ref!r}.")
    return org
