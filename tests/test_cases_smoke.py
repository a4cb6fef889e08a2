from .case_helpers import make_case


def test_staff_can_open_register_and_case(client, db, users, login):
    case = make_case(users["staff"], arrest={"date": "2013-06", "place": "checkpoint"})
    db.session.commit()
    login(users["staff"])
    r = client.get("/cases/")
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    assert case.reference in r.get_data(as_text=True)
    r = client.get(f"/cases/{case.uid}")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    for path in ("/cases/new", f"/cases/{case.uid}/edit", f"/cases/{case.uid}/timeline/new",
                 f"/cases/{case.uid}/sources/new", f"/cases/{case.uid}/submissions/new",
                 f"/cases/{case.uid}/merge", "/cases/import", "/cases/facilities",
                 "/cases/facilities/new", "/cases/?q=Muhammad", "/cases/export.csv",
                 "/cases/export.json", "/cases/import/template.csv", f"/cases/{case.uid}/json"):
        r = client.get(path)
        body = r.get_data(as_text=True)
        assert r.status_code == 200, (path, body[:3000])
