"""Fill the Arabic catalogue from a JSON translation memory (msgid → Arabic).

    python tools/fill_po.py translations/ar.json   # writes translations/ar/LC_MESSAGES/messages.po

Plural entries map the singular msgid to a list of the six Arabic plural forms
(zero, one, two, few, many, other). Entries already translated in the .po are kept unless the
memory has a different text for them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "translations" / "ar" / "LC_MESSAGES" / "messages.po"


def main(memory_path: str) -> int:
    memory = json.loads(Path(memory_path).read_text(encoding="utf-8"))
    with PO.open("rb") as f:
        catalog = read_po(f, locale="ar")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in memory:
            value = memory[key]
            if isinstance(value, dict):  # the template format of tools/untranslated.py
                value = value["forms"]
            if not value or (isinstance(value, list) and not all(value)):
                missing.append(key)
                continue
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    catalog.fuzzy = False  # the header: a fuzzy catalogue is skipped by `pybabel compile`
    with PO.open("wb") as f:
        write_po(f, catalog, omit_header=False, width=100)
    for key in missing:
        print("untranslated:", key[:90])
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
