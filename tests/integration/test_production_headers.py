"""The security headers of a production-mode application (HSTS, CSP, nosniff, frames, referrer,
secure cookies), none of HSTS over the plain http of development and tests, and 405 with ``Allow``
for TRACE and every other method a route does not serve."""

from __future__ import annotations

import pytest

from portal.config import normalize_database_url

SECURITY_HEADERS = ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                    "X-Frame-Options", "Referrer-Policy")


@pytest.fixture
def production_app(_app, database_url, monkeypatch, tmp_path):
    """The application as ``wsgi.py`` builds it (PORTAL_ENV=production), over the test database."""
    from portal import create_app

    monkeypatch.setenv("SECRET_KEY", "production-test-secret-key-of-enough-length")
    monkeypatch.delenv("STRICT_TRANSPORT_SECURITY", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
                      "STORAGE_DIR": str(tmp_path)})
    yield app
    from portal.extensions import db

    with app.app_context():
        db.engine.dispose()


def max_age(value: str) -> int:
    directives = dict(part.strip().partition("=")[::2] for part in value.split(";"))
    return int(directives["max-age"])


@pytest.mark.parametrize("target", ["/", "/dang-nhap", "/thu-tuc?q=khai+sinh", "/api/v1/procedures", "/khong-co",
                                    "/api/v1/khong-co", "/api/v1/me"])
def test_every_security_header_in_production(production_app, target):
    response = production_app.test_client().get(target, base_url="https://dichvucong.laichau.gov.vn")
    assert response.status_code in (200, 401, 404)
    headers = response.headers
    assert all(name in headers for name in SECURITY_HEADERS), [n for n in SECURITY_HEADERS if n not in headers]
    hsts = headers["Strict-Transport-Security"]
    assert max_age(hsts) >= 365 * 24 * 3600 and "includesubdomains" in hsts.lower()
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_production_cookies_are_secure(production_app):
    response = production_app.test_client().get("/dang-nhap", base_url="https://dichvucong.laichau.gov.vn")
    session = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session and all("; Secure" in c and "; HttpOnly" in c and "SameSite=Lax" in c for c in session)


def test_no_hsts_over_the_plain_http_of_development_and_tests(client, monkeypatch):
    from portal.config import build_config

    monkeypatch.delenv("STRICT_TRANSPORT_SECURITY", raising=False)
    assert build_config("development")["STRICT_TRANSPORT_SECURITY"] == ""
    assert build_config("testing")["STRICT_TRANSPORT_SECURITY"] == ""
    response = client.get("/dang-nhap")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["TRACE", "PUT", "PATCH", "PROPFIND", "CONNECT"])
@pytest.mark.parametrize("target, allowed", [("/thu-tuc", {"GET", "HEAD", "OPTIONS"}),
                                             ("/api/v1/procedures", {"GET", "HEAD", "OPTIONS"}),
                                             ("/api/v1/auth/token", {"POST", "DELETE", "OPTIONS"})])
def test_unsupported_methods_answer_405_with_allow(client, production_app, method, target, allowed):
    for app_client in (client, production_app.test_client()):
        response = app_client.open(target, method=method)
        assert response.status_code == 405
        assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
        if target.startswith("/api/"):
            assert response.get_json()["error"]["code"] == "method_not_allowed"
