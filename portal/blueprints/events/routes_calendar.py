"""Calendar files: an .ics per event, and a personal feed that calendar programs subscribe to.

The feed cannot use the portal's sign-in (calendar programs do not sign in), so it is public
in the policy table and authenticates by its secret token alone: an unknown or revoked token
is a 404, and the feed lists exactly what visible_events() gives the token's owner.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ... import timezones
from ...access import get_event_or_404, visible_events
from ...extensions import db, limiter
from ...forms_common import EmptyForm
from ...models import PUBLISHED, Event, utcnow
from ...services import audit
from ...services.events.calendar import (
    active_token,
    build_calendar,
    issue_feed_token,
    revoke_feed_tokens,
    user_for_feed_token,
)
from ...web import current_actor
from . import bp
from .forms import TimezoneForm

FEED_PAST_DAYS = 180


def _link(event: Event) -> str:
    return url_for("events.detail", event_id=event.id, _external=True)


def _ics_response(body: bytes, name: str):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/<int:event_id>/event.ics")
def ics(event_id: int):
    event = get_event_or_404(event_id)
    body = build_calendar([event], locale=get_locale().language, name=_("Partner portal"),
                          link_for=_link, detailed=True)
    return _ics_response(body, f"event-{event.id}.ics")


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = TimezoneForm()
    form.timezone.choices = [("", _("Not set: show the event's time zone and UTC"))] + \
        timezones.zone_choices(current_user.timezone)
    if not form.is_submitted():
        form.timezone.data = current_user.timezone or ""
    if form.validate_on_submit():
        current_user.timezone = form.timezone.data or None
        audit.record("profile_updated", current_actor(), object_type="user",
                     object_id=current_user.id, detail={"field": "timezone"})
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("events.settings"))
    token = session.pop("feed_token", None)
    feed_url = url_for("events.feed", token=token, _external=True) if token else None
    return render_template("events/settings.html", form=form, feed_url=feed_url,
                           token=active_token(current_user), empty=EmptyForm()), \
        422 if form.is_submitted() else 200


@bp.route("/settings/feed", methods=["POST"])
def feed_issue():
    if EmptyForm().validate_on_submit():
        token = issue_feed_token(current_user, actor=current_actor())
        db.session.commit()
        # Shown once on the next page (kept in the server-side session, never in a URL).
        session["feed_token"] = token
        flash(_("Your new calendar address is below. Any earlier address no longer works."),
              "success")
    return redirect(url_for("events.settings"))


@bp.route("/settings/feed/revoke", methods=["POST"])
def feed_revoke():
    if EmptyForm().validate_on_submit():
        revoke_feed_tokens(current_user, actor=current_actor())
        db.session.commit()
        flash(_("Your calendar address was switched off."), "success")
    return redirect(url_for("events.settings"))


@bp.route("/feed/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    user = user_for_feed_token(token)
    if user is None:
        abort(404)
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    # Proposals and declined proposals stay in the portal; the calendar shows what is on
    # (or was called off, marked CANCELLED so that calendar programs strike it through).
    stmt = visible_events(user).where(Event.status.in_(PUBLISHED), Event.ends_at >= since) \
        .order_by(Event.starts_at)
    events = db.session.scalars(stmt).all()
    db.session.commit()  # the token's last use
    locale = user.preferred_locale or "en"
    with force_locale(locale):
        name = _("Partner portal events")
    body = build_calendar(events, locale=locale, name=name, link_for=_link, detailed=False)
    return _ics_response(body, "events.ics")
