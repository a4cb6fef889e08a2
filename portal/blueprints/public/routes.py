"""The public site (issue 18): pages without an account, in Arabic first and English.

Everything shown is read through portal/access/public.py (published snapshot, published
stories with an active consent, published pages) and nothing else; tests inspect this
file's imports. The language is in the address, so a reverse proxy may cache each page:
`Cache-Control: public, no-cache` with an ETag of the body and Last-Modified, so a proxy
revalidates on every request (a withdrawn story vanishes at once) and gets a 304 when
nothing changed. No session is opened on these addresses (portal/sessions.py), so no
cookie is ever set on a cacheable answer.
"""

from __future__ import annotations

import functools
import hashlib

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale

from ...access import public as published
from ...extensions import limiter
from ...labels.cases import STATUS
from ...services.public import charts
from . import bp

LANGS = "<lang>"  # ar or en; anything else is a 404 (_check_lang)
CACHE_CONTROL = "public, no-cache"


def _limit() -> str:
    return current_app.config["PUBLIC_LIMIT_PER_ADDRESS"]


def _reader_key() -> str:
    """The reader's address as a keyed hash: the limiter's storage never lists who reads."""
    key = hashlib.sha256(current_app.config["SECRET_KEY"].encode()).digest()
    return "pub-" + hashlib.blake2b((request.remote_addr or "unknown").encode(), key=key,
                                    digest_size=12).hexdigest()


limiter.limit(_limit, key_func=_reader_key)(bp)  # per address, as the sign-in form


@bp.url_value_preprocessor
def _check_lang(endpoint, values):
    if values is not None and "lang" in values and values["lang"] not in ("ar", "en"):
        abort(404)


@bp.app_template_global()
def family_form_url() -> str | None:
    """The families' public form (helper B2's blueprint), when this portal has it."""
    if "family_intake.form" in current_app.view_functions:
        return url_for("family_intake.form")
    return None


@bp.app_template_global()
def public_url(endpoint: str, **values) -> str:
    """An absolute address on the public site: from PUBLIC_SITE_URL, never from the Host
    header that a visitor (and a cache poisoner) chooses."""
    base = current_app.config.get("PUBLIC_SITE_URL") or ""
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


@bp.app_template_global()
def status_label(value: str) -> str:
    return str(STATUS.get(value, value))


@bp.app_template_filter("atom_date")
def atom_date(value) -> str:
    """RFC 3339 in UTC, as Atom wants it."""
    from datetime import datetime, timezone
    value = value or datetime(2026, 1, 1, tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cacheable(response):
    """Mark a public answer cacheable, with validators; answer 304 when they match."""
    response.public_cache = CACHE_CONTROL
    if not current_app.config.get("PUBLIC_SITE_URL"):
        response.vary.add("Host")  # absolute links came from the Host header (public_url)
    body = response.get_data()
    response.set_etag(hashlib.sha256(body).hexdigest()[:32], weak=True)
    changed = published.last_change()
    if changed is not None:
        response.last_modified = changed  # informative only: see below
    # A 304 only when the ETag (a hash of this very body) matches. If-Modified-Since is not
    # evaluated: a story also vanishes when a family is unlinked or deleted, or within the
    # second of the last change, and no timestamp moves forward then.
    environ = {k: v for k, v in request.environ.items()
               if k not in ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")}
    return response.make_conditional(environ)


def localised(view):
    """Run the whole view in the page's language (the address's, never the visitor's)."""
    @functools.wraps(view)
    def wrapper(lang: str, **kwargs):
        with force_locale(lang):
            return view(lang=lang, **kwargs)
    return wrapper


def _page(lang: str, template: str, **context):
    html = render_template(template, lang=lang, other=("en" if lang == "ar" else "ar"),
                           **context)
    return _cacheable(make_response(html))


@bp.route("/")
def root():
    return redirect(url_for("public.home", lang="ar"))  # Arabic first


@bp.route(f"/{LANGS}/")
@localised
def home(lang: str):
    snapshot = published.current_snapshot()
    return _page(lang, "public/home.html", snapshot=snapshot,
                 status_chart=(charts.chart(snapshot["figures"], "status", lang)
                               if snapshot else None),
                 total=charts.total_text(snapshot["figures"], lang) if snapshot else None,
                 reports=published.published_pages("report", lang, limit=3),
                 campaigns=published.published_pages("campaign", lang, limit=5),
                 stories=published.published_stories(lang)[:6])


@bp.route(f"/{LANGS}/figures")
@localised
def figures(lang: str):
    status = request.args.get("status") or None
    if status is not None and status not in published.STATUSES:
        abort(404)
    snapshot = published.current_snapshot()
    shown = []
    if snapshot:
        dims = ("party", "governorate", "year") if status else ("status", "party",
                                                                 "governorate", "year")
        shown = [charts.chart(snapshot["figures"], d, lang, status) for d in dims]
    return _page(lang, "public/figures.html", snapshot=snapshot, charts_shown=shown,
                 status=status, statuses=published.STATUSES,
                 total=charts.total_text(snapshot["figures"], lang) if snapshot else None)


@bp.route(f"/{LANGS}/stories/<slug>")
@localised
def story(lang: str, slug: str):
    found = published.get_story(slug, lang)
    if found is None:
        abort(404)
    return _page(lang, "public/story.html", story=found)


def _show_page(lang: str, kind: str, slug: str):
    page = published.get_page(kind, slug, lang)
    if page is None:
        abort(404)
    figures = page["snapshot"]["figures"] if page["snapshot"] else None
    shown = [charts.chart(figures, c, lang) for c in page["charts"]] if figures else []
    return _page(lang, "public/page.html", page=page, charts_shown=shown)


@bp.route(f"/{LANGS}/campaigns/<slug>")
@localised
def campaign(lang: str, slug: str):
    return _show_page(lang, "campaign", slug)


@bp.route(f"/{LANGS}/reports/")
@localised
def reports(lang: str):
    return _page(lang, "public/reports.html",
                 reports=published.published_pages("report", lang))


@bp.route(f"/{LANGS}/reports/<slug>")
@localised
def report(lang: str, slug: str):
    return _show_page(lang, "report", slug)


@bp.route(f"/{LANGS}/reports/<slug>.pdf")
@localised
def report_pdf(lang: str, slug: str):
    pdf = published.report_pdf(slug, lang)
    if not pdf:
        abort(404)
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{slug}-{lang}.pdf"'
    return _cacheable(response)


@bp.route(f"/{LANGS}/reports.atom")
@localised
def feed(lang: str):
    xml = render_template("public/feed.xml", lang=lang,
                          reports=published.published_pages("report", lang, full=True,
                                                             limit=20))
    response = make_response(xml)
    response.mimetype = "application/atom+xml"
    return _cacheable(response)


def _png(figures: dict | None, lang: str):
    response = make_response(charts.og_image(charts.og_bars(figures), lang == "ar"))
    response.mimetype = "image/png"
    return _cacheable(response)


@bp.route(f"/og/{LANGS}/figures.png")
@localised
def og_figures(lang: str):
    snapshot = published.current_snapshot()
    return _png(snapshot["figures"] if snapshot else None, lang)


@bp.route(f"/og/{LANGS}/reports/<slug>.png")
@localised
def og_report(lang: str, slug: str):
    page = published.get_page("report", slug, lang)
    if page is None:
        abort(404)
    return _png(page["snapshot"]["figures"] if page["snapshot"] else None, lang)
