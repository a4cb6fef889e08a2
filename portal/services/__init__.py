"""Domain verbs, grouped by domain. Services flush and never commit; they know nothing of
requests.

cases/       the register: cases, their records and rules, duplicates, imports, exports,
             the synthetic-case generator
events/      events: their lifecycle, invitations and answers, agenda and materials,
             calendar feeds, notifications
sharing/     share grants, partner submissions, what partners see as new
accounts/    accounts (invitations, credentials, sign-in) and organisations
oversight/   the office's view of what partners do: alerts and the access report
briefings/   PDF briefing packs
audit.py     the hash-chained audit log every domain writes
mail.py      outgoing mail through the outbox, used by every domain
"""
