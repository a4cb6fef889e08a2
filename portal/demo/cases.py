"""Fictional cases for the demo (`flask demo load`): the synthetic generator, fixed seed."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Case
from ..services.audit import Actor

DEMO_CASES = 60
DEMO_SEED = 2011


def load_demo_cases(orgs, users) -> None:
    """Add ~60 generated cases (all names combined at random) unless the register has cases."""
    from ..services.cases.generate import generate_cases
    if db.session.scalar(select(func.count(Case.id))):
        return
    generate_cases(DEMO_CASES, DEMO_SEED, actor=Actor.system())
