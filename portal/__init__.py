"""The partner portal of the documentation office."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

__version__ = "0.1.0"


def create_app(test_config: Mapping | None = None) -> Flask:
    """Build the portal: configuration, extensions, blueprints, errors, commands."""
    import os

    test_config = dict(test_config or {})
    instance = test_config.pop("INSTANCE_PATH", None) or os.environ.get("PORTAL_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance) if instance else None)
    from .config import check_production_config, load_config
    load_config(app, test_config)
    check_production_config(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import access, database  # noqa: F401  (database installs the SQLite settings)
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .i18n import configure_i18n
    from .sessions import ServerSessionInterface
    from .web import register_request_hooks

    if app.config["PROXY_FIX_X_FOR"]:
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.session_interface = ServerSessionInterface()
    login_manager.init_app(app)
    login_manager.session_protection = None  # the server-side session does this job
    login_manager.user_loader(_load_user)
    configure_i18n(app)
    register_request_hooks(app)
    access.init_app(app)
    app.jinja_env.globals["demo_mode"] = app.config["DEMO_MODE"]
    from .labels import accounts as account_labels
    from .labels import oversight as oversight_labels
    account_labels.register(app)
    oversight_labels.register(app)
    from .labels import families as family_labels
    family_labels.register(app)
    from .services.cases import changes as case_changes
    from .services.oversight import alerts
    alerts.init_app(app)
    case_changes.init_app(app)


def _migrations_dir():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent / "migrations"


def _load_user(user_id: str):
    from .extensions import db
    from .models import User
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def register_blueprints(app: Flask) -> None:
    from .blueprints import (
        account,
        api,
        auth,
        briefings,
        cases,
        events,
        main,
        notices,
        organizations,
        reports,
        sharing,
        submissions,
        updates,
        users,
    )

    for module in (main, auth, account, users, organizations, cases, sharing, events, briefings,
                   api, reports, notices, submissions, updates):
        app.register_blueprint(module.bp)
    from .blueprints import api_tokens, api_v1
    from .extensions import csrf
    app.register_blueprint(api_tokens.bp)
    # Exempt from CSRF only because it never reads a cookie: bearer tokens alone (issue 16).
    csrf.exempt(api_v1.bp)
    app.register_blueprint(api_v1.bp)
    from .blueprints import public, publishing
    app.register_blueprint(public.bp)
    app.register_blueprint(publishing.bp)
    from .blueprints import families
    app.register_blueprint(families.bp)
    from .blueprints import referrals
    app.register_blueprint(referrals.bp)
    from .blueprints import family_intake
    app.register_blueprint(family_intake.bp)
    from .blueprints import family_reports
    app.register_blueprint(family_reports.bp)


def register_errorhandlers(app: Flask) -> None:
    from .web import register_errorhandlers as register
    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register
    register(app)
