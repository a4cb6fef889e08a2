"""Briefing packs: PDFs in Arabic and English for a recipient organisation.

data.py      where case and event dicts come from (the integration point with access.py)
context.py   the primitives-only template context, by allow-list per tier
figures.py   summary figures with small-cell suppression, chart geometry
render.py    templates/briefings/pdf → HTML and CSS, under force_locale
sandbox.py   warm render processes with memory/CPU/wall-clock limits (parent side)
worker.py    the render process itself; fetcher.py the only URL fetcher it uses
packs.py     the domain verbs; jobs.py background generation (thread or RQ)
rq_job.py    the RQ job (enqueued by its dotted path, never imported by the portal)
formatting.py  numbers and partial dates per language (the labels: portal/labels/briefings.py)
pdfcheck.py  reads a PDF back (tests, bench); samples.py fictional CONTRACT.md dicts
"""
