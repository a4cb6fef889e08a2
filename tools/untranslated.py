"""List the Arabic catalogue's untranslated messages as a JSON template for translators.

    python tools/untranslated.py OUT.json    # {msgid: "" or ["", "", "", "", "", ""] for plurals}
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parent.parent / "translations" / "ar" / "LC_MESSAGES" / "messages.po"

with PO.open("rb") as f:
    catalog = read_po(f, locale="ar")
todo = {}
for m in catalog:
    if not m.id:
        continue
    if isinstance(m.id, tuple):
        if not (m.string and all(m.string)) or m.fuzzy:
            todo[m.id[0]] = {"plural": m.id[1], "forms": [""] * 6}
    elif not m.string or m.fuzzy:
        todo[m.id] = ""
Path(sys.argv[1]).write_text(json.dumps(todo, ensure_ascii=False, indent=1), encoding="utf-8")
print(len(todo), "untranslated")
