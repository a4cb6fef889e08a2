"""Translated labels of the portal's fixed vocabularies: codes are stored, these labels are
shown. One module per domain; each label is defined once, and a table that shows part of a
vocabulary is derived from the full one.

accounts.py    roles and kinds of organisation
cases.py       the case register: statuses, timeline kinds, sources, consent, fields
sharing.py     detail tiers, grant states, the register's filter criteria
events.py      kinds, statuses, answers, roles, history, languages of events
oversight.py   the access report, notices, partner submissions, what's new
briefings.py   what a briefing pack prints: sections, languages, states, render errors
"""

from collections.abc import Callable, Mapping


def labeller(table: Mapping) -> Callable[[str], str]:
    """A function giving the translated label of a code in `table`, or the code itself."""
    return lambda code: str(table.get(code, code))
