"""A fictional referral for the demo (`flask demo load`), after the demo families: the
household with a legal need agrees to be referred to Cedar Rights Lab (a legal-aid partner);
staff refer the need; the Lab's manager accepts it and reports the outcome. Signed in as
manager@cedarlab.example, the referral is in the Referrals inbox; nothing else of the family
is visible there. Every name is invented."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Need, Referral, utcnow
from ..services import families as svc
from ..services.audit import Actor
from ..services.families import referrals


def _actor(user) -> Actor:
    return Actor(user_id=user.id, org_id=user.organization_id, request_id="demo")


def load_demo_referrals(orgs, users) -> None:
    """Create the demo referral once (nothing if a referral exists or no legal need does)."""
    if db.session.scalar(select(func.count(Referral.id))):
        return
    need = db.session.scalars(select(Need).where(Need.category == "legal",
                                                 Need.status == "open")
                              .order_by(Need.id)).first()
    cedar = orgs.get("cedarlab")
    manager = users.get("manager@cedarlab.example")
    if need is None or cedar is None or manager is None:
        return
    staff = users["staff@office.example"]
    family = need.family
    svc.record_consent(family, {"kind": "referral", "organization_id": cedar.id,
                                "method": "oral_recorded",
                                "given_on": utcnow().date() - timedelta(days=14)},
                       actor=_actor(staff))
    referral = referrals.create_referral(family, {
        "organization_id": cedar.id, "need_id": need.id,
        "summary": "تحتاج الزوجة إلى استشارة قانونية للحصول على وثيقة غياب من دون التصريح "
                   "بوفاة زوجها (مثال تجريبي وهمي).",
        "contact_channel": "messaging_app", "contact": "@fictional_handle_1"},
        actor=_actor(staff))
    referrals.accept(referral, actor=_actor(manager))
    referrals.report_outcome(referral, "التقى محامٍ متطوع بالأسرة مرتين وقدّم طلباً للحصول "
                             "على وثيقة غياب (مثال تجريبي وهمي).",
                             actor=_actor(manager))
