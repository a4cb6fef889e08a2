"""The public site's data for the browser tests (issue 18): the demo's own loader (a
published snapshot, a consented story of a fictional person, the #NotHostages campaign
and last month's report with its PDFs), prepared by one staff member, approved by the admin."""

from __future__ import annotations

from portal.demo.public import _previous_month, load_demo_public

from .. import factories


def publish_public_site(office, admin) -> dict:
    staff = factories.make_user("staff.public@office.test", office, "staff", name="Public Staff")
    load_demo_public({}, {"staff@office.example": staff, "admin@office.example": admin})
    return {"campaign": "not-hostages", "report": _previous_month()}
