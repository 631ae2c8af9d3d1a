"""Response headers (HSTS in production, CSP, nosniff, frames, referrer), proxy handling and the
login manager's user loader."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.extensions import login_manager

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def content_security_policy(config) -> str:
    """The policy, with the national payment platform's origin added to ``form-action`` when it
    is the payment provider: the "pay online" form's answer redirects the browser there, and
    browsers apply ``form-action`` to a form's redirects too."""
    if config.get("PAYMENT_PROVIDER") != "national" or not config.get("PAYMENT_PLATFORM_URL"):
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(config["PAYMENT_PLATFORM_URL"])
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return CONTENT_SECURITY_POLICY
    return f"{CONTENT_SECURITY_POLICY} {parts.scheme}://{parts.netloc}"


def init_app(app: Flask) -> None:
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>.<generation>" (User.get_id): a session opened before the account's sessions
        # were ended (logout anywhere, password change, lock, role change) loads no one.
        from portal.operations.accounts import user_for_session

        return user_for_session(session_id)

    hsts = app.config.get("STRICT_TRANSPORT_SECURITY")

    @app.after_request
    def security_headers(response):
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy(app.config))
        return response
