"""The installable web app: a manifest, and a service worker that keeps the pages a citizen opened
readable without a connection, and never queues what is sent while offline."""

from __future__ import annotations

import json

from tests.e2e.conftest import axe_check


def test_pages_already_opened_stay_readable_offline_and_nothing_is_queued(live_server, browser_page):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/")
    manifest_href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = json.loads(page.request.get(f"{base}{manifest_href}").text())
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}/thu-tuc/LC-05")  # read once online: now kept by the service worker
    title = page.locator("h1").inner_text()

    page.context.set_offline(True)
    page.goto(f"{base}/thu-tuc/LC-05")
    assert page.locator("h1").inner_text() == title
    page.goto(f"{base}/thu-tuc/LC-16")  # never opened: the offline page says so
    assert "Không có kết nối mạng" in page.locator("h1").inner_text()
    assert "không có gì được gửi đi" in page.content()
    axe_check(page, "offline-page")

    page.goto(f"{base}/ho-so/tra-cuu")
    page.context.set_offline(False)
    queued = page.evaluate("() => caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k)"
                           ".then(c => c.keys())))).then(lists => lists.flat().map(r => r.method))")
    assert set(queued) <= {"GET"}  # only pages and assets are kept: no request waits to be sent
