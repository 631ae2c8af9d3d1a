"""Filing a dossier's documents from a phone on a weak signal (issue 17): on one page, each file
with its progress bar, one after another, without a reload; one chunk is lost on the way (the
connection drops) and the upload resumes from the server's offset and completes; a camera photo
of several megabytes is scaled down in the browser before it is sent."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check
from tests.e2e.test_citizen_journey import fill_e_form, procedure_info, register
from tests.integration.filing_helpers import camera_photo, pdf, png

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def stored_files(app, dossier_id: int) -> dict[str, list[tuple[str, int]]]:
    from portal.extensions import db
    from portal.models import Dossier
    from portal.operations import filing

    with app.app_context():
        grouped = filing.files_by_document(db.session.get(Dossier, dossier_id))
        return {key: [(row.original_name, row.blob.size) for row in rows] for key, rows in grouped.items()}


def test_documents_upload_on_one_page_and_resume_after_a_drop(live_server, browser_page):
    page, base, app = browser_page, live_server.url, live_server.app
    schema, documents, _agency = procedure_info(app, "LC-05")
    register(page, base)
    page.goto(f"{base}/thu-tuc/LC-05")
    page.click("text=Nộp hồ sơ trực tuyến")
    fill_e_form(page, schema)
    page.click("button[name=step][value=next]")
    page.wait_for_url("**/giay-to")
    dossier_id = int(page.url.split("/ho-so/")[1].split("/")[0])
    form_doc, proof_doc = documents[0]["key"], documents[1]["key"]
    page.wait_for_selector(f"#doc-{form_doc} button:has-text('Tải lên')", state="hidden")  # a chosen file starts at once

    # The connection drops once, during the second chunk of the declaration.
    seen, dropped = [], []

    def network(route):
        request = route.request
        seen.append((request.method, request.url, request.headers.get("upload-offset")))
        if request.method == "PATCH" and request.headers.get("upload-offset") != "0" and not dropped:
            dropped.append(request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/tai-len/**", network)
    page.evaluate("window.samePage = true")
    declaration = pdf("to khai", padding=600_000)  # three chunks of 256 KiB
    page.set_input_files(f"#doc-{form_doc}-file", files=[
        {"name": "to-khai-ct01.pdf", "mimeType": "application/pdf", "buffer": declaration}])
    page.set_input_files(f"#doc-{proof_doc}-camera", files=[
        {"name": "hop-dong-thue.png", "mimeType": "image/png", "buffer": png(40, 60)}])
    photo = camera_photo()
    page.set_input_files(f"#doc-{proof_doc}-camera", files=[
        {"name": "so-do-nha.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    progress = page.locator(f"#doc-{form_doc}-progress progress")
    assert progress.get_attribute("aria-label") == "Tiến độ tải lên to-khai-ct01.pdf"
    page.wait_for_selector(f"#doc-{form_doc} .upload-status:has-text('Mất kết nối')")
    page.wait_for_selector(f"#doc-{form_doc} .upload-status:has-text('Đã tải lên to-khai-ct01.pdf')")
    page.wait_for_selector(f"#doc-{proof_doc} .upload-status:has-text('Đã tải lên hop-dong-thue.png')")
    page.wait_for_selector(f"#doc-{proof_doc} .upload-status:has-text('Đã tải lên so-do-nha.jpg')")
    assert progress.get_attribute("value") == "100"

    assert dropped and ("HEAD", dropped[0], None) in seen  # it asked the server where to resume
    assert [offset for method, url, offset in seen if method == "PATCH" and url == dropped[0]] == [
        "0", "262144", "262144", "524288"]
    assert page.evaluate("window.samePage") is True  # no reload
    assert page.locator(f"#doc-{form_doc}-files a", has_text="to-khai-ct01.pdf").count() == 1
    # photos are kept as one-page PDFs of the document (scaled down)
    assert page.locator(f"#doc-{proof_doc}-files a", has_text="hop-dong-thue.pdf").count() == 1
    assert page.locator("#upload-announcer").text_content() == "Đã tải lên so-do-nha.jpg."
    assert stored_files(app, dossier_id)[form_doc] == [("to-khai-ct01.pdf", len(declaration))]
    proofs = stored_files(app, dossier_id)[proof_doc]
    assert [name for name, _size in proofs] == ["hop-dong-thue.pdf", "so-do-nha.pdf"]
    assert proofs[1][1] < len(photo) // 3  # scaled down before it was sent, then a one-page PDF
    axe_check(page, "citizen-phone-uploads")
