"""`flask --app portal users …`: accounts created from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from ..models import Role
from ..services import audit
from .options import find_organization

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--org", "org_ref", required=True, help="Organisation id or English name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, org_ref: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account with a password; it enrols a second factor at first sign-in."""
    from .. import passwords
    from ..models import User
    from ..services.accounts.users import find_user_by_email, normalise_email

    org = find_organization(org_ref)
    if find_user_by_email(email):
        raise click.ClickException("An account with this e-mail address already exists.")
    if (role in ("admin", "staff")) != org.is_office:
        raise click.ClickException("admin and staff belong to the office; partner roles to partners.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = passwords.policy_problem(password)
    if problem:
        raise click.ClickException({"short": "The password needs at least 12 characters.",
                                    "long": "The password may have at most 128 characters.",
                                    "common": "This password is too common."}[problem])
    user = User(email=normalise_email(email), name=name or email.split("@")[0],
                organization=org, role=role, password_hash=passwords.hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("account_created_cli", audit.Actor.system(), object_type="user",
                 object_id=user.id, detail={"role": role})
    db.session.commit()
    click.echo(f"Created {user.email} ({role}) in organisation {org.id}. "
               "A second factor is enrolled at first sign-in.")
