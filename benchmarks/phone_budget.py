"""Issue 17's performance budget for a 2G/3G phone: the home page, a procedure page and the filing
form (signed in as a citizen), each cold (a fresh browser context, empty cache), under 100 KB
transferred and under 3 s to usable at about 400 kbit/s and 400 ms round trip.

Starts the portal on a temporary SQLite database with the catalogue loaded (as the browser tests'
live server does), then for each page with chromium at 390x844, throttled through the DevTools
protocol and once unthrottled as a baseline, measures:
- bytes on the wire: the sum of ``Network.loadingFinished`` ``encodedDataLength`` until the
  network is idle after ``load``;
- what gzip would make of the same responses (their bodies compressed at level 6), since the
  budget is stated "with compression" and the application itself does not compress;
- navigation start to ``DOMContentLoaded`` and to ``load`` (Navigation Timing).
Service workers are blocked so that only the page's own requests are counted.

    .venv/bin/python benchmarks/phone_budget.py [--procedure LC-16] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import logging
import statistics
import tempfile
import threading
from pathlib import Path

WEAK_LINK = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1024 / 8,
             "uploadThroughput": 400 * 1024 / 8}
BUDGET_BYTES, BUDGET_SECONDS = 100 * 1024, 3.0
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
PASSWORD = "HoaBanTrang2026"


def start_portal(folder: Path) -> str:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "SERVER_NAME": None, "STORAGE_DIR": str(folder / "files"), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        upgrade()
        load_catalogue()
        db.session.commit()
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def citizen_session(browser, base: str) -> dict:
    """Register and sign in a citizen; the cookies (not the cache) are reused for the filing form."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/dang-ky")
    for field, value in {"#full_name": "Lò Thị Hoa", "#id_number": "012190077001", "#phone": "0912 345 678",
                         "#email": "bench@example.vn", "#username": "congdanbench", "#password": PASSWORD,
                         "#confirm": PASSWORD}.items():
        page.fill(field, value)
    page.click("button[type=submit]")
    page.wait_for_url("**/dang-nhap**")
    page.fill("#username", "congdanbench")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/tai-khoan**")
    state = context.storage_state()
    context.close()
    return state


def measure(browser, url: str, throttled: bool, state: dict | None) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  storage_state=state, service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", WEAK_LINK)
    finished: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: finished.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("networkidle")  # late requests (the icon) count too
    timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd || performance.now()}; }""")
    wire = sum(finished.values())
    gzipped = 0
    for request_id in list(finished):
        try:
            body = cdp.send("Network.getResponseBody", {"requestId": request_id})
        except Exception:  # noqa: BLE001 - a response without a body (204, redirect)
            continue
        raw = base64.b64decode(body["body"]) if body["base64Encoded"] else body["body"].encode()
        gzipped += len(gzip.compress(raw, 6))
    context.close()
    return {"bytes": wire, "gzip": gzipped, "requests": len(finished),
            "dcl": timing["dcl"] / 1000, "load": timing["load"] / 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedure", default="LC-16")
    parser.add_argument("--runs", type=int, default=3, help="cold loads per page and profile (median shown)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        base = start_portal(Path(folder))
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        signed_in = citizen_session(browser, base)
        pages = [("home /", "/", None), (f"procedure /thu-tuc/{args.procedure}", f"/thu-tuc/{args.procedure}", None),
                 (f"filing form /ho-so/nop/{args.procedure}", f"/ho-so/nop/{args.procedure}", signed_in)]
        print(f"budget: {BUDGET_BYTES // 1024} KB and {BUDGET_SECONDS:.0f} s per page; "
              f"weak link = 400 kbit/s, 400 ms RTT; median of {args.runs} cold loads")
        print(f"{'page':38} {'profile':10} {'req':>4} {'KB wire':>8} {'KB gzip':>8} {'x budget':>9} "
              f"{'DCL s':>6} {'load s':>7} {'x budget':>9}")
        for name, path, state in pages:
            for throttled in (True, False):
                runs = [measure(browser, base + path, throttled, state) for _ in range(args.runs)]
                m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                print(f"{name:38} {'weak' if throttled else 'unlimited':10} {m['requests']:>4.0f} "
                      f"{m['bytes'] / 1024:>8.1f} {m['gzip'] / 1024:>8.1f} {m['bytes'] / BUDGET_BYTES:>9.2f} "
                      f"{m['dcl']:>6.2f} {m['load']:>7.2f} {m['load'] / BUDGET_SECONDS:>9.2f}")
        browser.close()


if __name__ == "__main__":
    main()
