"""Locale selection, text direction and the catalogue check."""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    """The user's preference, then the switcher kept in the session, then Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    try:
        preferred = current_user.preferred_locale if current_user.is_authenticated else None
    except Exception:  # no request user (CLI, PDF worker)
        preferred = None
    if preferred in languages:
        return preferred
    try:
        chosen = session.get("lang")
    except AssertionError:  # the session could not be opened (its database is away): a 503
        chosen = None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def text_direction(locale: Locale | str | None = None) -> str:
    locale = locale or get_locale()
    if isinstance(locale, str):
        locale = Locale.parse(locale)
    return locale.text_direction  # "rtl" for ar


def check_catalogues(app: Flask) -> None:
    """Refuse to start when a configured language has no compiled catalogue."""
    for lang in app.config["LANGUAGES"]:
        if lang == "en":
            continue  # English is the source language
        if not (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.mo").exists():
            raise RuntimeError(f"No compiled catalogue for '{lang}': run `make translations`.")


def configure_i18n(app: Flask) -> None:
    from .extensions import babel
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    babel.init_app(app, locale_selector=select_locale)
    check_catalogues(app)

    from flask_babel import format_date, format_datetime, format_decimal
    app.jinja_env.filters.update(
        format_datetime=lambda value, fmt="medium": format_datetime(value, fmt),
        format_date=lambda value, fmt="medium": format_date(value, fmt),
        format_number=format_decimal)

    @app.context_processor
    def inject_locale():
        locale = get_locale()
        return {"current_locale": locale, "text_direction": text_direction(locale),
                "other_language": "en" if locale.language == "ar" else "ar"}
