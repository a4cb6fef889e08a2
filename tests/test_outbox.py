"""Outgoing mail goes through the outbox: written with the action, sent after commit."""

from __future__ import annotations

from unittest import mock

from sqlalchemy import select

from portal.models import OutboxMessage
from portal.services.mail import deliver_pending, queue_mail


def test_mail_is_not_sent_when_the_transaction_rolls_back(app, db):
    with mock.patch("portal.services.mail._send") as send:
        queue_mail("someone@a.test", "Subject", "Body")
        db.session.rollback()
    send.assert_not_called()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_console_backend_marks_sent_after_commit(app, db, caplog):
    app.config["MAIL_DELIVER_ON_COMMIT"] = True
    queue_mail("someone@a.test", "Subject", "Body with a link")
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is not None
    assert "Body with a link" in caplog.text


def test_smtp_backend_sends_and_failures_are_retried(app, db):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="mail.example", SMTP_USERNAME="u",
                      SMTP_PASSWORD="p", MAIL_DELIVER_ON_COMMIT=True)
    with mock.patch("smtplib.SMTP") as smtp:
        smtp.return_value.__enter__.return_value.send_message.side_effect = OSError("down")
        queue_mail("someone@a.test", "Subject", "Body")
        db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1 and message.last_error == "OSError"
    db.session.rollback()  # the delivery runs in its own transaction, as after a commit
    with mock.patch("smtplib.SMTP") as smtp:
        assert deliver_pending() == 1
        sent = smtp.return_value.__enter__.return_value.send_message.call_args[0][0]
    assert sent["To"] == "someone@a.test" and sent["Subject"] == "Subject"
    db.session.expire_all()
    delivered = db.session.scalars(select(OutboxMessage)).one()
    assert delivered.sent_at is not None
    assert delivered.body == ""  # one-time links do not stay in the database once sent
