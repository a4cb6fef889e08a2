"""A pack is laid out as several small documents joined into one PDF (worker.compose): the
page numbers, the document id, the contents, the table's page references, the links and the
bookmarks still run over the whole pack."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from portal.services.briefings.context import SHEETS_PER_PART

from . import briefing_data as bd
from .test_briefings_render import DOC_ID, render, render_app  # noqa: F401

CASES = SHEETS_PER_PART + 5  # two parts of case sheets


@pytest.fixture(scope="module")
def big_pack(render_app):  # noqa: F811
    cases = [bd.case_at("detailed", n) for n in range(1, CASES + 1)]
    return render(render_app, cases, "en")


def test_parts_are_one_pdf_numbered_throughout(big_pack):
    html, result, facts = big_pack
    assert html.count("<!--pack-part-->") >= 6  # cover, 3 sections, 2 sheet parts, frame
    assert facts.pages == result.pages
    for number, text in enumerate(facts.page_texts, 1):
        assert f"Page {number} of {facts.pages}" in text
        assert text.count(DOC_ID) >= 2


def test_table_page_references_point_at_the_sheets(big_pack):
    _html, _result, facts = big_pack
    table = "\n".join(t for t in facts.page_texts if "Table of cases" in t)
    for n in (1, CASES):
        reference = bd.case_at("detailed", n)["reference"]
        row = next(line for line in table.splitlines() if reference in line)
        page = int(re.findall(r"\d+", row.rsplit("·", 1)[-1])[-1])
        sheet = facts.page_texts[page - 1]
        assert reference in sheet and "Table of cases" not in sheet


def test_contents_links_and_bookmarks_cross_the_parts(big_pack):
    _html, result, facts = big_pack
    first_sheet = next(i for i, t in enumerate(facts.page_texts, 1) if "Case sheets" in t
                       and i > 1)
    assert re.search(rf"Case sheets[\s.]*{first_sheet}\b", facts.page_texts[0])
    assert facts.internal_links >= CASES + 3  # the contents and every table row
    outline = [item.title for item in PdfReader(io.BytesIO(result.pdf)).outline
               if not isinstance(item, list)]
    assert {"Summary and figures", "Table of cases", "Case sheets"} <= set(outline)
