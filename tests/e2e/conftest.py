"""Browser tests: a live server in a background thread over its own migrated SQLite file,
with the catalogue loaded; and a chromium page (Debian's chromium through playwright)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from tests.conftest import ARTIFACTS, compile_translations, require_tool


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue

    compile_translations()
    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
        "SERVER_NAME": None,
        "STORAGE_DIR": str(folder / "files"),
        "WTF_CSRF_ENABLED": True,
    })
    with app.app_context():
        upgrade()
        load_catalogue()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser_page():
    """A phone-sized chromium page (390x844); skips with a reason without chromium."""
    path = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def axe_check(page, name: str) -> None:
    """Screenshot to test-artifacts/, then axe-core: no violation of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"
