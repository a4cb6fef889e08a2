"""The PDF of a monthly report, through the briefing packs' pipeline: the same sandboxed
render processes (briefings/sandbox.py) and the same URL fetcher that serves only the
bundled fonts (briefings/fetcher.py). Rendered once, when the report is approved.

The PDF carries the report's text and charts but no story: a file, once downloaded, cannot
be withdrawn, and a family's withdrawal must take effect everywhere the office controls.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ...extensions import db
from ...models import PublicPage, PublicSnapshot
from ..briefings.render import COUNTER_STYLE, css_string
from ..briefings.sandbox import RenderError, get_pool
from . import charts
from .figures import PublishRefused


def report_html(page: PublicPage, lang: str) -> tuple[str, str]:
    """The HTML and CSS of a report's PDF, in `lang`."""
    snapshot = db.session.get(PublicSnapshot, page.snapshot_id) if page.snapshot_id else None
    figures = snapshot.figures if snapshot is not None else None
    other = "en" if lang == "ar" else "ar"
    with force_locale(lang):
        shown = [charts.chart(figures, c, lang) for c in page.charts] if figures else []
        html = render_template(
            "public/pdf/report.html", lang=lang, dir="rtl" if lang == "ar" else "ltr",
            title=getattr(page, f"title_{lang}") or getattr(page, f"title_{other}"),
            summary=getattr(page, f"summary_{lang}") or getattr(page, f"summary_{other}"),
            body=getattr(page, f"body_{lang}") or getattr(page, f"body_{other}"),
            period=page.period, charts_shown=shown,
            total=charts.total_text(figures, lang) if figures else None)
        rtl = lang == "ar"
        css = render_template(
            "public/pdf/report.css", lang=lang, counter_style=COUNTER_STYLE[lang],
            start="right" if rtl else "left", end="left" if rtl else "right",
            footer=css_string(_("Documentation office · public report")))
    return html, css


def render_report_pdf(page: PublicPage, lang: str) -> bytes:
    html, css = report_html(page, lang)
    try:
        result = get_pool(current_app.config).render(html, css, title=page.slug, lang=lang)
    except RenderError as exc:
        raise PublishRefused("pdf") from exc
    return result.pdf
