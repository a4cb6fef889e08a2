"""Outgoing mail through the outbox table: written with the action, delivered after commit."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import OutboxMessage, utcnow

log = logging.getLogger("portal.outbox")


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it leaves after commit."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_ids", []).append(message.id)
    return message


def deliver_pending(ids: list[int] | None = None) -> int:
    """Deliver unsent outbox messages (all, or those in `ids`); return how many left."""
    app = current_app._get_current_object()
    sent = 0
    with Session(db.engine) as s:
        stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        if ids is not None:
            stmt = stmt.where(OutboxMessage.id.in_(ids))
        for message in s.scalars(stmt.order_by(OutboxMessage.id)).all():
            try:
                _send(app, message)
            except (OSError, smtplib.SMTPException) as exc:
                s.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                    attempts=OutboxMessage.attempts + 1, last_error=type(exc).__name__))
            else:
                message.sent_at, message.attempts = utcnow(), message.attempts + 1
                if not app.config["DEMO_MODE"]:
                    # Bodies carry one-time links: once delivered, keep only the envelope.
                    message.body = ""
                sent += 1
        s.commit()
    return sent


def _send(app, message: OutboxMessage) -> None:
    cfg = app.config
    if cfg["MAIL_BACKEND"] == "console":
        # The console backend is for demos and development: the message goes to the log.
        log.warning("outbox message %s\nTo: %s\nSubject: %s\n\n%s\n", message.id,
                    message.recipient, message.subject, message.body)
        return
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = cfg["MAIL_FROM"], message.recipient, message.subject
    mail.set_content(message.body)
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())  # verifies the certificate
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        smtp.send_message(mail)


@event.listens_for(FlaskSession, "after_commit")
def _deliver_after_commit(session) -> None:
    """Deliver the messages of a transaction once it has committed (never before)."""
    ids = session.info.pop("outbox_ids", None)
    if ids and current_app.config.get("MAIL_DELIVER_ON_COMMIT", True):
        deliver_pending(ids)


@event.listens_for(FlaskSession, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop("outbox_ids", None)
