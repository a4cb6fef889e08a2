"""Fictional demonstration data, loaded by `flask demo load`. Every name is invented; none is
a real person.

accounts.py   the demo organisations and accounts (their password is published)
events.py     events of the coming weeks, with agendas and links
cases.py      generated cases (the synthetic generator, fixed seed)
sharing.py    share grants over those cases, and partner submissions
families.py   families of the demo cases: members, consents, visits, support, a PSS course
referrals.py  a referral of a family's legal need to Cedar Rights Lab, accepted, with outcome
family_intake.py  two reports from the public family form waiting in the intake queue
"""

from __future__ import annotations

from .accounts import demo_logins, load_demo_accounts
from .cases import load_demo_cases
from .events import load_demo_events
from .families import load_demo_families
from .family_intake import load_demo_intake
from .referrals import load_demo_referrals
from .sharing import load_demo_sharing, load_demo_submissions

# In this order: the grants are made on the demo cases, and the update a partner proposes is
# about a case shared with it.
LOADERS = (load_demo_events, load_demo_cases, load_demo_sharing, load_demo_submissions,
           load_demo_families, load_demo_referrals, load_demo_intake)


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo organisations, accounts and each area's data (idempotent); return the
    logins."""
    orgs, users = load_demo_accounts()
    for loader in LOADERS:
        loader(orgs, users)
    return demo_logins()

# The public site (issue 18): after the cases, so that its figures count them.
from .public import load_demo_public  # noqa: E402

LOADERS = LOADERS + (load_demo_public,)
