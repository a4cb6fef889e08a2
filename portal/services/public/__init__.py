"""The public site's domain verbs (issue 18): the figures snapshot with its suppression,
stories and pages with their two-person workflow, charts and the report PDF.

These are staff-side: they read the register. The public pages never import them for
reading; they read through portal/access/public.py only (tests/test_public_site.py checks).
"""
