"""A citizen on a weak phone connection (issue 17, "Done when"): at 390x844 with the network
throttled to about 400 kbit/s and 400 ms round trip, register (the phone typed with spaces), sign
in, file a birth registration with three documents photographed through the camera inputs, lose
the connection in the middle of one upload and see it resume, submit, read the dossier code on the
submitted page at once, sign out and look the dossier up by the code's last part and the phone.
Every step is photographed into test-artifacts/; the registration, documents, submitted and
lookup pages are checked with axe-core."""

from __future__ import annotations

import io

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import axe_check
from tests.e2e.test_citizen_journey import PASSWORD, fill_e_form, procedure_info

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

WEAK_LINK = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1024 / 8,
             "uploadThroughput": 400 * 1024 / 8}  # 2G/3G in a mountain commune


def throttle(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", WEAK_LINK)


def photo(seed: int, size: int) -> bytes:
    """A phone photo of a paper document: a JPEG of about ``size`` bytes (noise compresses like a
    real photo), under the 500 KB above which the page scales photos down before sending."""
    from PIL import Image

    side = 300
    while True:
        image = Image.effect_noise((side // 2, side // 2), 30 + seed).convert("RGB").resize((side, side))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        if out.tell() >= size:
            return out.getvalue()
        side += 20


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"weak-phone-{name}.png"), full_page=True)


def test_weak_phone_journey_from_registration_to_lookup(live_server, browser_page):
    page, base, app = browser_page, live_server.url, live_server.app
    schema, documents, _agency = procedure_info(app, "LC-16")
    throttle(page)

    page.goto(f"{base}/dang-ky")
    page.fill("#full_name", "Giàng Thị Mai")
    page.fill("#id_number", "012190088801")
    page.fill("#phone", "0912 345 678")
    page.fill("#email", "giangmai.weak@example.vn")
    page.fill("#username", "giangmaiweak")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    axe_check(page, "weak-phone-1-register")
    page.click("button[type=submit]")
    page.wait_for_url("**/dang-nhap**")
    shot(page, "2-sign-in")
    page.fill("#username", "giangmaiweak")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/tai-khoan**")
    shot(page, "3-account")

    page.goto(f"{base}/thu-tuc/LC-16")
    shot(page, "4-procedure")
    page.click("text=Nộp hồ sơ trực tuyến")
    page.wait_for_url("**/ho-so/nop/LC-16**")
    phone_field = next(s["name"] for s in schema if s.get("prefill") == "phone")
    assert page.input_value(f"#{phone_field}") == "0912345678"  # kept without the spaces
    page.fill("#child_birth_date", "2026-11-20")
    fill_e_form(page, schema)
    shot(page, "5-form")
    page.click("button[name=step][value=next]")
    page.wait_for_url("**/giay-to")

    slots = [d["key"] for d in documents][:3]  # tờ khai, giấy chứng sinh, giấy đăng ký kết hôn
    dropped: list[str] = []
    patches: list[tuple[str, str | None]] = []

    def lose_the_signal_once(route):
        request = route.request
        if request.method == "PATCH":
            patches.append((request.url, request.headers.get("upload-offset")))
        if request.method == "PATCH" and request.headers.get("upload-offset") != "0" and not dropped:
            dropped.append(request.url)  # the second chunk of the first photo never arrives
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/tai-len/**", lose_the_signal_once)
    photos = {slots[0]: ("to-khai.jpg", photo(0, 300_000)),  # two chunks of at most 256 KiB
              slots[1]: ("giay-chung-sinh.jpg", photo(5, 200_000)),
              slots[2]: ("dang-ky-ket-hon.jpg", photo(9, 200_000))}
    for key, (name, content) in photos.items():
        page.set_input_files(f"#doc-{key}-camera", files=[{"name": name, "mimeType": "image/jpeg", "buffer": content}])
    page.wait_for_selector(f"#doc-{slots[0]} .upload-status:has-text('Mất kết nối')")
    shot(page, "6-connection-lost")
    for key, (name, _content) in photos.items():
        page.wait_for_selector(f"#doc-{key} .upload-status:has-text('Đã tải lên {name}')", timeout=60_000)
        stored = name.removesuffix(".jpg") + ".pdf"  # a photo is kept as a one-page PDF of the document
        page.locator(f"#doc-{key}-files a", has_text=stored).wait_for()  # the slot's list, refreshed in place
    resumed = [offset for url, offset in patches if url == dropped[0]]
    assert resumed == ["0", "262144", "262144"]  # the lost chunk was sent again from the server's offset
    page.unroute("**/tai-len/**")
    axe_check(page, "weak-phone-7-documents")

    page.click("text=Tiếp tục: kiểm tra và nộp")
    page.wait_for_url("**/kiem-tra")
    page.check("input[name=delivery][value=online]")
    shot(page, "8-review")
    page.click("button:has-text('Nộp hồ sơ')")
    page.wait_for_url("**/da-nop")
    code = page.locator(".dossier-code").inner_text().strip()  # given at submission, not at acceptance
    assert code.count("-") >= 2, code
    axe_check(page, "weak-phone-9-submitted")

    page.click("button:has-text('Đăng xuất')")
    page.wait_for_load_state()
    tail = "-".join(code.split("-")[-2:])  # "261130-0002"
    page.goto(f"{base}/ho-so/tra-cuu")
    page.fill("#code", tail)
    page.fill("#phone", "0912 345 678")
    page.click("button:has-text('Tra cứu')")
    page.wait_for_selector("#found-title")
    assert page.locator("#found-title").inner_text() == f"Hồ sơ {code}"
    main = page.locator("main").inner_text()
    assert "Giàng Thị Mai" not in main  # the public answer names no one
    axe_check(page, "weak-phone-10-lookup")
