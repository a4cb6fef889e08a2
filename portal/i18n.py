"""Locale selection, text direction and the catalogue check."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

_PUBLIC_LANG = re.compile(r"^/public/(?:og/)?([a-z]{2})(?:/|\.|$)")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def arabic_first(view):
    """Mark a public page written for families first: Arabic unless the visitor chose English
    (a `?lang=en` link on the page, or the portal's switcher); Accept-Language is not used."""
    view.arabic_first = True
    return view


def _arabic_first_locale(languages) -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "arabic_first", False):
        return None
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    return session.get("lang") if session.get("lang") in languages else "ar"


def select_locale() -> str:
    """The user's preference, then the switcher kept in the session, then Accept-Language
    (pages marked arabic_first: the visitor's choice, else Arabic)."""
    languages = current_app.config["LANGUAGES"]
    in_address = _PUBLIC_LANG.match(request.path)  # the public site: /public/<lang>/...
    if in_address and in_address.group(1) in languages:
        return in_address.group(1)  # its error pages too (404, 429), whatever the browser asks
    first = _arabic_first_locale(languages)
    if first:
        return first
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


@lru_cache(maxsize=16)
def _direction(tag: str) -> str:
    return Locale.parse(tag).text_direction  # "rtl" for ar


def text_direction(locale: Locale | str | None = None) -> str:
    locale = locale or get_locale()
    return _direction(str(locale))  # on every page: Babel works it out from CLDR each time


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
