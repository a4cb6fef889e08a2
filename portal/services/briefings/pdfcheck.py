"""Read a generated pack back: text, fonts, missing glyphs, links, attachments, metadata.

Used by the tests (SECURITY.md F5, F6, E2) and by bench/pdf_bench.py (B14); pypdf only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfReader

BUNDLED_FONTS = {"Pack-Naskh", "Pack-Naskh-Bold", "Pack-Sans", "Pack-Sans-Bold",
                 "Noto-Sans", "Noto-Sans-Bold", "Noto-Naskh-Arabic", "Noto-Naskh-Arabic-Bold"}


@dataclass
class PdfFacts:
    pages: int
    text: str
    page_texts: list[str]
    fonts: set[str]
    notdef_fonts: set[str]  # fonts in which at least one glyph was missing
    link_uris: list[str]
    internal_links: int
    embedded_files: int
    info: dict
    has_xmp: bool
    catalog_lang: str
    extra: dict = field(default_factory=dict)


def _font_name(font) -> str:
    name = str(font.get_object().get("/BaseFont", ""))[1:]
    return name.split("+", 1)[1] if "+" in name[:7] else name


def _has_notdef(font) -> bool:
    """WeasyPrint writes a font with missing glyphs (.notdef) with its own CMap instead of
    Identity-H (weasyprint/pdf/fonts.py): the encoding tells whether any glyph was missing."""
    descendant = font.get_object()
    return descendant.get("/Subtype") == "/Type0" and descendant.get("/Encoding") != "/Identity-H"


def inspect_pdf(pdf: bytes) -> PdfFacts:
    """Everything the tests and benchmarks check about one PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts: set[str] = set()
    uris: list[str] = []
    internal = 0
    notdef_fonts: set[str] = set()
    texts = []
    for page in reader.pages:
        texts.append(page.extract_text() or "")
        resources = page.get("/Resources")
        page_fonts = resources.get_object().get("/Font") if resources else None
        for font in (page_fonts.get_object().values() if page_fonts else []):
            fonts.add(_font_name(font))
            if _has_notdef(font):
                notdef_fonts.add(_font_name(font))
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and action.get_object().get("/S") == "/URI":
                uris.append(str(action.get_object().get("/URI")))
            else:
                internal += 1
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    files = 0
    if names is not None and "/EmbeddedFiles" in names.get_object():
        files = len(names.get_object()["/EmbeddedFiles"].get_object().get("/Names", [])) // 2
    info = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    return PdfFacts(pages=len(reader.pages), text="\n".join(texts), page_texts=texts,
                    fonts=fonts, notdef_fonts=notdef_fonts, link_uris=uris, internal_links=internal,
                    embedded_files=files, info=info, has_xmp="/Metadata" in root,
                    catalog_lang=str(root.get("/Lang", "")))
