"""Languages: Vietnamese is the source language of every message; English is a translation."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale

from portal.extensions import babel

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    if not has_request_context():
        return "vi"  # CLI commands and background work speak Vietnamese
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        return wanted
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return "vi"


def clear_session_keeping_language() -> None:
    """Start a new session (sign-in, sign-out) without losing the language the person chose."""
    chosen = session.get("lang")
    session.clear()
    if chosen in current_app.config["LANGUAGES"]:
        session["lang"] = chosen


def current_language() -> str:
    return str(get_locale() or "vi")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_context():
        return {"current_language": current_language(), "language_names": LANGUAGE_NAMES}
