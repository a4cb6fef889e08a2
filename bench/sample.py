"""What the load rotates through, read from the run database (deterministic for a seed).

    python -m bench.sample LABELLED.json   (in the portal's environment; prints JSON)

* 200 case uids spread over the register (B7);
* 12 filter combinations of status + governorate + an arrest period (B4), each matching cases;
* 100 Arabic-variant queries and 100 Latin-transliteration queries from the generator's
  labelled set (B5, B6), the Latin ones first for cases recorded only in Arabic (cross-script);
* when the partner's grants exist (bench.grants), queries for cases inside its subset (P2).
"""

from __future__ import annotations

import json
import random
import sys

from sqlalchemy import func, select

LIST_MARKER = '<td><a href="/cases/'  # a result row: the list is not empty
DETAIL_MARKER = 'class="timeline"'


def collect(labelled_path: str) -> dict:
    from portal import create_app, refdata
    from portal.extensions import db
    from portal.models import Case

    labelled = json.load(open(labelled_path, encoding="utf-8"))["queries"]
    app = create_app()
    with app.app_context():
        rng = random.Random(20260)
        top = db.session.scalar(select(func.max(Case.id)))
        ids = rng.sample(range(1, top + 1), 200)
        uids = list(db.session.scalars(select(Case.uid).where(Case.id.in_(ids))
                                       .order_by(Case.id)))
        rng.shuffle(uids)
        governorates = refdata.all_rows("governorates")
        statuses = ["detained", "forcibly_disappeared", "released", "missing"]
        filters = []
        while len(filters) < 12:
            gov = rng.choice(governorates)
            status = rng.choice(statuses)
            start = rng.randint(2011, 2020)
            filters.append({"status": status, "governorate": gov["code"],
                            "arrest_from": str(start), "arrest_to": str(start + 3)})
        arabic = [q["query"] for q in labelled if q["kind"] == "arabic_variant"][:100]
        latin = sorted((q for q in labelled if q["kind"] == "latin_transliteration"),
                       key=lambda q: q["recorded_in_latin"])  # Arabic-only records first
        out = {"uids": uids, "filters": filters, "arabic_queries": arabic,
               "latin_queries": [q["query"] for q in latin][:100],
               "cross_script_only": sum(not q["recorded_in_latin"] for q in latin[:100]),
               "list_marker": LIST_MARKER, "detail_marker": DETAIL_MARKER}
        from .data import sharing_exists
        if sharing_exists():
            from .grants import partner_sample
            out["partner"] = partner_sample(labelled, rng)
    return out


if __name__ == "__main__":
    print(json.dumps(collect(sys.argv[1]), ensure_ascii=False))
