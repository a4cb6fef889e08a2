"""The synthetic generator (deterministic, realistic, labelled set) and the demo loader."""

import json

from sqlalchemy import func, select

from portal.models import AuditEvent, Case
from portal.services.audit import Actor
from portal.services.cases.generate import generate_cases


def test_generated_cases_are_plausible_and_audited(db, tmp_path):
    report = generate_cases(120, 3, actor=Actor.system(), labelled_path=str(tmp_path / "l.json"),
                            labelled_size=30)
    db.session.commit()
    cases = db.session.scalars(select(Case)).all()
    assert len(cases) == 120 and report.timeline >= 3 * 120
    for case in cases[:40]:
        kinds = [e.kind for e in case.timeline]
        assert kinds[0] == "arrest" and 3 <= len(kinds) <= 5
        assert case.search_sk and case.name_key
        assert int(case.birth_date[:4]) < case.arrest_lo // 10000
    labels = json.loads((tmp_path / "l.json").read_text())["queries"]
    refs = {c.reference for c in cases}
    assert len(labels) == 30 and all(q["expected"] in refs for q in labels)
    assert {q["kind"] for q in labels} == {"arabic_variant", "latin_transliteration", "typo"}
    assert db.session.scalar(select(AuditEvent.action)) == "cases_generated"


def test_same_seed_gives_the_same_names(app, db):
    from portal.services.cases import generate
    people_a = [(p.first, p.father, p.family) for p in
                generate.generate_cases(30, 9, actor=Actor.system()).people]
    db.session.rollback()
    people_b = [(p.first, p.father, p.family) for p in
                generate.generate_cases(30, 9, actor=Actor.system()).people]
    db.session.rollback()
    assert people_a == people_b


def test_cli_generate_and_demo_loader(runner, db):
    result = runner.invoke(args=["cases", "generate", "--count", "25", "--seed", "1"])
    assert "Generated 25 cases" in result.output
    assert db.session.scalar(select(func.count(Case.id))) == 25
    from portal.demo.cases import load_demo_cases
    load_demo_cases({}, {})  # the register has cases already: nothing added
    assert db.session.scalar(select(func.count(Case.id))) == 25
