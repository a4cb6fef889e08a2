"""Configuration defaults.

Layers, applied by create_app() in this order: Default below, instance/config.py,
PORTAL_* environment variables (PORTAL_DATABASE_URL → SQLALCHEMY_DATABASE_URI), then the
mapping given to create_app() (tests).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class Default:
    # "production" refuses unsafe settings at start-up (see check_production_config);
    # "development" is what `make run` uses together with DEMO_MODE.
    ENV_NAME = "production"
    DEMO_MODE = False
    DEBUG = False
    TESTING = False
    PROPAGATE_EXCEPTIONS = False

    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in instance/
    # hide_parameters: bound values (names, e-mails) never reach a log through an error.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    # SQLite is for a single-office or offline deployment; production on SQLite must say so.
    SQLITE_SINGLE_OFFICE = False
    # PostgreSQL settings for the portal's own sessions ("-c name=value ...", libpq options).
    # random_page_cost 1.1 (the server's default is 4, made for spinning disks): the register
    # is read from memory or SSD, and at 4 the planner preferred hashing every case's
    # sources (250,000 rows) over probing the few hundred rows a search checks, a slower plan.
    # No parallel workers: a page's queries take milliseconds, and with several web workers
    # per core, helper processes only add their start-up and take cores from other requests.
    # No JIT compilation: it starts on a plan's estimated cost, and for the queries that reach
    # it (counting a partner's subset) compiling costs a large part of the query's time
    # (`python -m bench.partner_queries --db postgres` measures the count with and without JIT).
    PG_OPTIONS = "-c random_page_cost=1.1 -c max_parallel_workers_per_gather=0 -c jit=off"

    # Sessions live on the server (portal/sessions.py); the cookie carries only a random id.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_SECONDS = 15 * 60
    SESSION_ABSOLUTE_SECONDS = 8 * 3600
    SESSION_TOUCH_SECONDS = 60
    SESSIONS_PER_USER = 5  # the oldest is ended when a sixth starts
    REMEMBER_COOKIE_DURATION = 0

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 3600
    WTF_CSRF_SSL_STRICT = True
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_FORM_PARTS = 1000
    PREFERRED_URL_SCHEME = "https"
    PROXY_FIX_X_FOR = 0  # number of trusted reverse proxies in front of gunicorn

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("ar", "en")

    # Rate limits (Flask-Limiter); Redis storage when PORTAL_REDIS_URL is set.
    REDIS_URL: str | None = None
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: each worker counts in memory until it is back (checked every few
    # seconds), rather than failing every rate-limited request (bench.loadrun --fault).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    REDIS_TIMEOUT_SECONDS = 2  # connect and read timeouts of the limiter's and the queue's Redis
    PG_CONNECT_TIMEOUT_SECONDS = 5  # a database that does not answer: a 503, not a hang
    LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
    # The public family form (/families/report): per address AND for everyone together (an
    # onion service sees every Tor visitor as one address), and a small body (text only).
    FAMILY_INTAKE_LIMIT_PER_ADDRESS = "5 per 10 minutes; 20 per day"
    FAMILY_INTAKE_LIMIT_GLOBAL = "120 per hour"
    FAMILY_INTAKE_MAX_BODY = 64 * 1024
    LOGIN_FAILURES_BEFORE_DELAY = 5
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_DELAY_SECONDS = 15 * 60

    ARGON2_PROFILE = "RFC_9106_LOW_MEMORY"  # t=3, m=64 MiB, p=4
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    INVITATION_HOURS = 72
    RESET_HOURS = 24

    # Outgoing mail: "console" prints and keeps it in the outbox table; "smtp" sends it.
    MAIL_BACKEND = "console"
    MAIL_FROM = "portal@localhost"
    MAIL_DELIVER_ON_COMMIT = True
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = True
    OFFICE_ALERT_EMAIL: str | None = None
    # Alert the office when a partner account opens or downloads this many cases within an
    # hour (SECURITY.md §4.7 "soft alert at 100 per hour per user"); 0 turns it off.
    ALERT_READS_PER_HOUR = 100

    # Keys kept outside the database: files generated into instance/ on first start, or
    # given explicitly (in production, outside the data directory).
    SECRET_KEY: str | None = None
    FIELD_KEY_FILE: str | None = None
    AUDIT_KEY_FILE: str | None = None
    BACKUP_KEY_FILE: str | None = None

    # Share grants: the longest a grant may run before it must be renewed.
    SHARE_GRANT_MAX_DAYS = 730

    PACK_DIR: str | None = None
    PACK_RETENTION_DAYS = 14
    # Briefing packs (portal/services/briefings): packs with more cases than this render in
    # the background (a thread, or the RQ queue "portal-packs" when REDIS_URL is set).
    PACK_SYNC_MAX_CASES = 36
    # The render sandbox: a separate process with these limits (SECURITY.md §4.8).
    PACK_MEMORY_MB = 1024
    PACK_CPU_SECONDS = 60
    PACK_WALL_SECONDS = 90
    PACK_WORKER_MAX_JOBS = 25  # a warm render process is replaced after this many packs
    PACK_RENDER_WORKERS = 2  # packs rendering at once, all users together
    PACK_MAX_PER_HOUR = 10  # per user; and one pack at a time per user
    # Contacts printed at the end of every pack: [{"label_en", "label_ar", "value"}].
    PACK_OFFICE_CONTACTS: list = []
    # The public site (issue 18): requests per address (the sign-in pages' limiter), and the
    # office's public contact details shown on every public page (fictional defaults).
    PUBLIC_LIMIT_PER_ADDRESS = "60 per minute"
    # The public site's own address ("https://office.example"): its absolute links (og:url,
    # og:image, the Atom feed) are built from it, never from the request's Host header, which
    # a shared cache does not key on (cache poisoning). Unset: the answers vary on Host.
    PUBLIC_SITE_URL = ""
    # Days between two published figures snapshots (0: no wait). Published snapshots stay
    # readable side by side; close together, their difference shows the few cases between.
    PUBLIC_SNAPSHOT_MIN_DAYS = 28
    PUBLIC_CONTACTS: list = [
        {"label_en": "E-mail", "label_ar": "البريد الإلكتروني", "value": "contact@office.example",
         "href": "mailto:contact@office.example"},
        {"label_en": "Phone (Signal, WhatsApp)", "label_ar": "الهاتف (سيغنال، واتساب)",
         "value": "+000 0000 0000", "href": ""},
        {"label_en": "Office hours", "label_ar": "ساعات العمل",
         "value_en": "Sunday to Thursday, 10:00–16:00", "value_ar": "من الأحد إلى الخميس، ١٠:٠٠–١٦:٠٠",
         "href": ""},
    ]


def _read_or_create_key(path: Path, nbytes: int) -> str:
    """Return the hex key stored at `path`, creating it (mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(nbytes))
    return path.read_text().strip()


def load_config(app: Flask, overrides: dict | None) -> None:
    """Apply the configuration layers and fill in instance-relative defaults."""
    app.config.from_object(Default)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)

    for key in ("DEMO_MODE", "DEBUG", "SESSION_COOKIE_SECURE", "SQLITE_SINGLE_OFFICE",
                "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED", "MAIL_DELIVER_ON_COMMIT"):
        app.config[key] = bool(app.config[key])  # PORTAL_X=0 arrives as the integer 0
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.db'}"
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file on this machine: no connection can go stale behind the pool's back, so
        # the ping before every checkout (a SELECT 1 on every request) is left out.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {**cfg["SQLALCHEMY_ENGINE_OPTIONS"],
                                            "pool_pre_ping": False}
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and cfg["PG_OPTIONS"]:
        options = dict(cfg["SQLALCHEMY_ENGINE_OPTIONS"])
        connect = dict(options.get("connect_args", {}))
        connect["options"] = " ".join(filter(None, (connect.get("options"), cfg["PG_OPTIONS"])))
        connect.setdefault("connect_timeout", int(cfg["PG_CONNECT_TIMEOUT_SECONDS"]))
        options["connect_args"] = connect
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _read_or_create_key(instance / "secret_key", 32)
    cfg["FIELD_KEY"] = _read_or_create_key(Path(cfg["FIELD_KEY_FILE"] or instance / "field.key"), 32)
    cfg["AUDIT_KEY"] = _read_or_create_key(Path(cfg["AUDIT_KEY_FILE"] or instance / "audit.key"), 32)
    cfg["PACK_DIR"] = cfg["PACK_DIR"] or str(instance / "packs")
    if cfg.get("REDIS_URL") and cfg["RATELIMIT_STORAGE_URI"] == "memory://":
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
    if cfg["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        timeout = float(cfg["REDIS_TIMEOUT_SECONDS"])
        cfg.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
        cfg["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": timeout,
                                            "socket_timeout": timeout,
                                            **cfg["RATELIMIT_STORAGE_OPTIONS"]}
    if cfg["SMTP_HOST"] and cfg["MAIL_BACKEND"] == "console":
        cfg["MAIL_BACKEND"] = "smtp"
    # The __Host- prefix is only valid on a Secure cookie (over HTTPS).
    cfg["SESSION_COOKIE_NAME"] = "__Host-portal" if cfg["SESSION_COOKIE_SECURE"] else "portal"


class UnsafeConfiguration(RuntimeError):
    """Raised at start-up when a production setting would weaken the portal."""


def check_production_config(app: Flask) -> None:
    """Refuse to start in production with a setting that weakens security (SECURITY.md I2)."""
    cfg = app.config
    # Only these two names relax the checks: a typo in ENV_NAME still means production.
    if cfg["ENV_NAME"] in ("development", "testing"):
        return
    problems = []
    if cfg["TESTING"]:
        problems.append("TESTING is on")
    if cfg["DEBUG"]:
        problems.append("DEBUG is on")
    if cfg["DEMO_MODE"]:
        problems.append("DEMO_MODE is on")
    if len(cfg.get("SECRET_KEY") or "") < 32:
        problems.append("SECRET_KEY is missing or shorter than 32 characters")
    if not cfg["SESSION_COOKIE_SECURE"]:
        problems.append("SESSION_COOKIE_SECURE is off")
    if not cfg["WTF_CSRF_ENABLED"]:
        problems.append("WTF_CSRF_ENABLED is off")
    single_office = (cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
                     and cfg["SQLITE_SINGLE_OFFICE"])
    if cfg["RATELIMIT_STORAGE_URI"].startswith("memory://") and not single_office:
        problems.append("rate limits are kept in memory, per worker (set PORTAL_REDIS_URL)")
    if cfg.get("REMEMBER_COOKIE_DURATION"):
        problems.append("REMEMBER_COOKIE_DURATION is set (remember-me cookies are not allowed)")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not cfg["SQLITE_SINGLE_OFFICE"]:
        problems.append("SQLite in production needs PORTAL_SQLITE_SINGLE_OFFICE=1")
    data_dir = Path(app.instance_path).resolve()
    if not cfg["FIELD_KEY_FILE"] or data_dir in Path(cfg["FIELD_KEY_FILE"]).resolve().parents:
        problems.append("the field-encryption key must be outside the data directory "
                        "(PORTAL_FIELD_KEY_FILE)")
    if cfg["MAIL_BACKEND"] != "smtp":
        problems.append("no SMTP server: invitation links would only reach the log "
                        "(set PORTAL_SMTP_HOST)")
    elif not cfg["SMTP_STARTTLS"]:
        problems.append("SMTP without STARTTLS would send activation links in clear text")
    for name in ("AUDIT_KEY_FILE", "BACKUP_KEY_FILE"):
        if not cfg.get(name) or data_dir in Path(cfg[name]).resolve().parents:
            problems.append(f"{name} must point outside the data directory")
    if problems:
        raise UnsafeConfiguration("Refusing to start: " + "; ".join(problems) + ".")
