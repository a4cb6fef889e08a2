"""Briefing-pack rendering: the allow-list per tier, Arabic and English text, fonts,
metadata, payloads as literal text (SECURITY.md F5, F6, E2; BENCHMARKS.md B14)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from portal import create_app
from portal.labels.briefings import SECTIONS
from portal.services.briefings.context import PackInfo, case_context, pack_context
from portal.services.briefings.pdfcheck import BUNDLED_FONTS, inspect_pdf
from portal.services.briefings.render import render_pack
from portal.services.briefings.sandbox import get_pool

from . import briefing_data as bd

DOC_ID = "K7Q3-9XW2-M4TD-8HJN"
WHEN = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def render_app(tmp_path_factory):
    """An app for rendering only (templates, Babel, the render pool); no database needed."""
    tmp = tmp_path_factory.mktemp("render")
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "INSTANCE_PATH": str(tmp),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/unused.sqlite",
                      "SECRET_KEY": "test-" + "x" * 40, "SERVER_NAME": "portal.test"})
    with app.app_context():
        yield app


def render(app, cases, lang, *, sections=SECTIONS, events=(bd.EVENT,), note="", org=None):
    org_ar, org_en = org or ("مختبر الاختبار للحقوق", "Test Rights Lab")
    info = PackInfo(DOC_ID, lang, org_ar, org_en, WHEN, tuple(sections), note)
    html, css = render_pack(info, cases, list(events),
                            [{"label_en": "E-mail", "label_ar": "البريد",
                              "value": "office@docs.example"}])
    result = get_pool(app.config).render(html, css, title="Briefing pack", lang=lang)
    return html, result, inspect_pdf(result.pdf)


@pytest.fixture(scope="module")
def packs_by_tier(render_app):
    """One English and one Arabic pack per tier, built from dicts that ALSO wrongly carry
    never-shared and above-tier keys: the allow-list must drop them."""
    out = {}
    for tier in ("summary", "detailed", "identification", "office"):
        cases = [bd.with_leaks(bd.case_at(tier, n)) for n in range(1, 4)]
        for lang in ("en", "ar"):
            out[tier, lang] = render(render_app, cases, lang)
    return out


@pytest.mark.security
@pytest.mark.parametrize("tier", ["summary", "detailed", "identification", "office"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pack_never_shows_fields_above_tier_or_never_shared(packs_by_tier, tier, lang):
    """T4/A5: for every tier, no never-shared marker and no above-tier field in the HTML,
    the PDF bytes or the extracted text."""
    html, result, facts = packs_by_tier[tier, lang]
    for marker in bd.forbidden_for(tier):
        assert marker not in html
        assert marker.encode() not in result.pdf
        assert marker not in facts.text
    if tier == "summary":
        assert ("١٩٦١" if lang == "ar" else "1961") in html  # the birth year is summary-tier
        assert "April 1961" not in facts.text and "أبريل ١٩٦١" not in html  # the date is not


@pytest.mark.parametrize("tier", ["detailed", "identification"])
def test_pack_shows_the_fields_of_its_tier(packs_by_tier, tier):
    _html, _result, facts = packs_by_tier[tier, "en"]
    assert bd.DETAILED_MARKERS["arrest_circumstances"] in facts.text
    assert bd.DETAILED_MARKERS["submission"] in facts.text
    assert (bd.IDENTIFICATION_MARKERS["channel"] in facts.text) == (tier == "identification")


def test_office_tier_dicts_are_capped_at_identification(render_app):
    from flask_babel import force_locale
    with force_locale("en"):
        context = case_context(bd.case_at("office"), 1, "en")
    assert context["tier"] == "identification"
    assert not {"internal_notes", "interviewer", "sources", "consent", "tags"} & set(context)


def test_template_context_is_primitives_only(render_app):
    from flask_babel import force_locale
    info = PackInfo(DOC_ID, "en", "أ", "A", WHEN, SECTIONS)
    with force_locale("en"):
        context = pack_context(info, [bd.case_at("identification")], [bd.EVENT], [])
    assert json.loads(json.dumps(context)) == context  # only str/int/bool/list/dict/None


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_arabic_names_extract_in_logical_order_and_latin_names_too(packs_by_tier, lang):
    _html, _result, facts = packs_by_tier["detailed", lang]
    assert " ".join(bd.NAME_AR) in facts.text  # logical order, joined letters, no reshaping
    assert " ".join(bd.NAME_LAT) in facts.text
    assert "DO-2025-000001" in facts.text


@pytest.mark.security
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_f6_only_bundled_fonts_no_notdef_and_document_id_on_every_page(packs_by_tier, lang):
    """F6: only the bundled fonts are embedded, no .notdef glyph, the document id in the
    header and footer of every page; B14: page numbers in Arabic-Indic digits in Arabic."""
    _html, result, facts = packs_by_tier["detailed", lang]
    assert facts.fonts and facts.fonts <= BUNDLED_FONTS
    assert result.notdef == 0 and not facts.notdef_fonts
    assert facts.pages == result.pages >= 3
    for number, text in enumerate(facts.page_texts, 1):
        assert text.count(DOC_ID) >= 2, f"page {number} lacks the document id"
        assert "Test Rights Lab" in text or "مختبر الاختبار للحقوق" in text
    last = facts.page_texts[-1]
    if lang == "ar":
        digits = str(facts.pages).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        assert digits in last and not re.search(r"\b%d\b" % facts.pages, last)
    else:
        assert f"Page {facts.pages} of {facts.pages}" in last


@pytest.mark.security
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_f5_metadata_is_a_neutral_title_and_the_language(packs_by_tier, lang):
    """F5: no Producer, Creator, Author, dates, paths or host names; no XMP."""
    _html, result, facts = packs_by_tier["identification", lang]
    assert facts.info == {"/Title": "Briefing pack"}
    assert facts.catalog_lang == lang and not facts.has_xmp
    for needle in (b"WeasyPrint", b"/Producer", b"/Creator", b"/Author", b"/tmp", b"/work",
                   b"localhost", b"/CreationDate"):
        assert needle not in result.pdf


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_arabic_pack_is_rtl_and_english_pack_ltr(packs_by_tier, lang):
    html, _result, _facts = packs_by_tier["summary", lang]
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html


def test_small_cells_show_as_less_than_five(render_app):
    cases = [bd.case_at("summary", n, status="released") for n in range(1, 4)] + \
        [bd.case_at("summary", n, status="detained") for n in range(4, 11)]
    html, _result, facts = render(render_app, cases, "en", sections=("summary",), events=())
    assert "<5" in facts.text and "7" in facts.text
    assert "&lt;5" in html
    assert not re.search(r"Released\s*3", facts.text)
    _html, _result, facts_ar = render(render_app, cases, "ar", sections=("summary",), events=())
    # RTL: pypdf extracts in visual order, so the mirrored "<" comes after the digit
    # (the label sits between them in the extracted visual order of a translated row)
    assert any("<" in line and "٥" in line and "٧" not in line
               for line in facts_ar.text.splitlines()) and "٧" in facts_ar.text


def test_table_of_contents_and_case_table_have_page_numbers(packs_by_tier):
    _html, _result, facts = packs_by_tier["summary", "en"]
    assert re.search(r"Case sheets[\s.]*4", facts.page_texts[0])
    assert facts.internal_links >= 3 and facts.link_uris == []


XSS_PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:msgbox(1)",
    '"><img src=x onerror=alert(1)>', "'><svg/onload=alert(1)>", "</textarea><script>x</script>",
    "{{7*7}}", "{% raw %}x{% endraw %}", "&lt;script&gt;", "&#60;img&#62;", "＜script＞",
    "مرحبا <script>alert(1)</script> بكم", "\u202eevil.pdf", "\u202atext\u202c",
    "a\u200db\u200cc", "line1\r\nline2", "<a href='javascript:alert(1)'>x</a>",
    "<a href='file:///etc/passwd'>f</a>", "<a href='https://example.org/'>e</a>",
    "<link rel=attachment href='file:///etc/passwd'>", "<object data='file:///etc/passwd'>",
    "<embed src='http://127.0.0.1:1/x'>", "<iframe src='http://example.org'>",
    "<style>@import 'http://example.org/x.css';</style>", "<base href='http://example.org/'>",
    "<meta http-equiv=refresh content='0;url=http://example.org'>",
    "<div style=\"background:url('http://example.org/x')\">", "}</style><script>x</script>",
    "\\\"};@import url(http://example.org);", "<![CDATA[<script>x</script>]]>",
    "<!-- comment --><b>bold</b>", "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<svg><image href='file:///etc/passwd'/></svg>", "<img srcset='http://example.org/x 1x'>",
    "%3Cscript%3Ealert(1)%3C/script%3E", "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\" onmouseover=\"alert(1)", "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
]


@pytest.mark.security
def test_e2_payloads_render_as_literal_text(render_app):
    """E2: ≥40 payloads in every free-text field of a case, an event and the covering note;
    the PDF has them as text, no URI link annotation and no embedded file."""
    assert len(XSS_PAYLOADS) >= 40
    cases = []
    for n, payload in enumerate(XSS_PAYLOADS, 1):
        case = bd.case_at("identification", n, public_narrative=payload, aliases=[payload])
        case["names"] = {"first_ar": payload, "family_ar": "", "first_lat": payload,
                         "family_lat": ""}
        case["arrest_circumstances"] = payload
        case["timeline"][0].update(place=payload, unit=payload)
        case["informants"] = [{"relation": payload, "contact_channel": payload}]
        cases.append(case)
    event = dict(bd.EVENT, title_en=XSS_PAYLOADS[0], venue=XSS_PAYLOADS[1])
    html, result, facts = render(render_app, cases, "en", events=[event],
                                 note="\n".join(XSS_PAYLOADS), org=(XSS_PAYLOADS[14],
                                                                   XSS_PAYLOADS[0]))
    assert "<script>" not in html and "<img src=x" not in html and "onerror=alert" not in \
        html.replace("onerror=alert(1)&gt;", "")
    flat = re.sub(r"\s+", "", facts.text)
    literal = [p for p in XSS_PAYLOADS if p.isascii() and p.isprintable()]
    for payload in literal:
        assert re.sub(r"\s+", "", payload) in flat, payload
    assert facts.link_uris == [] and facts.embedded_files == 0
    assert set(result.served) <= {"asset:fonts/NotoNaskhArabic-Regular.ttf",
                                  "asset:fonts/NotoNaskhArabic-Bold.ttf",
                                  "asset:fonts/NotoSans-Regular.ttf",
                                  "asset:fonts/NotoSans-Bold.ttf"}
    assert result.notdef == 0  # full-width and other undrawable characters became U+FFFD

