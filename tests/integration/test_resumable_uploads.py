"""Uploads from a phone on a weak signal (issue 17): the resumable (tus 1.0) upload of a dossier's
documents, a camera photo for a document wanted as a PDF, and refusals that name the file and
the document."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import DossierFile, UploadSession
from portal.operations import filing, pdf_check
from portal.storage import read_blob
from tests.conftest import PASSWORD, Pages, csrf_token_from
from tests.integration.filing_helpers import camera_photo, limits, pdf, procedure, upload
from tests.integration.lifecycle_helpers import build_office


@pytest.fixture
def office(make_user):
    return build_office(make_user, procedure("LC-05"))


@pytest.fixture
def draft(client, pages, office):
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    dossier, _ = filing.start_draft(office.citizen, procedure("LC-05"), {})
    db.session.commit()
    return dossier


def tus_headers(token: str, **extra) -> dict:
    return {"Tus-Resumable": "1.0.0", "X-CSRFToken": token, **extra}


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def token_for(client, dossier) -> str:
    return csrf_token_from(client.get(f"/ho-so/{dossier.id}/giay-to").get_data(as_text=True))


def create(client, dossier, token, size: int, document: str, filename: str = "to-khai.pdf"):
    return client.post(f"/ho-so/{dossier.id}/tai-len/", headers=tus_headers(
        token, **{"Upload-Length": str(size), "Upload-Metadata": metadata(filename=filename, document=document)}))


def patch(client, location, token, offset: int, chunk: bytes):
    return client.patch(location, data=chunk, headers=tus_headers(
        token, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}))


def files_of(dossier) -> list[DossierFile]:
    db.session.expire_all()
    return filing.active_files(dossier)


def test_a_dropped_upload_resumes_from_the_servers_offset_and_is_checked_like_a_form_upload(
        app, client, draft, office, make_user):
    key = draft.procedure.documents[0]["key"]
    token = token_for(client, draft)
    content = pdf("tus", padding=300_000)
    half = len(content) // 2
    options = client.options(f"/ho-so/{draft.id}/tai-len/")
    assert options.status_code == 204 and options.headers["Tus-Version"] == "1.0.0"
    created = create(client, draft, token, len(content), key)
    assert created.status_code == 201
    location = created.headers["Location"]

    assert patch(client, location, token, 0, content[:half]).status_code == 204
    # The connection drops after a part of the second chunk reached nobody: ask, then resume.
    assert client.head(location).headers["Upload-Offset"] == str(half)
    assert patch(client, location, token, half + 10, content[half + 10:]).status_code == 409  # a gap
    assert patch(client, location, token, half, content[half:] + b"extra").status_code == 413  # beyond the size
    assert client.patch(location, data=content[half:], headers={  # forged: no CSRF token
        "Tus-Resumable": "1.0.0", "Upload-Offset": str(half), "Content-Type": "application/offset+octet-stream"}
    ).status_code == 400
    assert files_of(draft) == []
    assert client.head(location).headers["Upload-Offset"] == str(half)

    # Another citizen neither sees nor continues it, from his own dossier either.
    stranger = make_user(username="nguoikhac")
    other = app.test_client()
    assert Pages(other).login(stranger.username, PASSWORD).status_code == 302
    assert other.head(location).status_code == 404
    own, _ = filing.start_draft(stranger, procedure("LC-05"), {})
    db.session.commit()
    other_token = token_for(other, own)
    assert other.patch(location, data=content[half:], headers=tus_headers(
        other_token, **{"Upload-Offset": str(half), "Content-Type": "application/offset+octet-stream"})).status_code == 404
    assert other.head(location.replace(f"/ho-so/{draft.id}/", f"/ho-so/{own.id}/")).status_code == 404

    finished = patch(client, location, token, half, content[half:])
    assert finished.status_code == 204 and finished.headers["Upload-Offset"] == str(len(content))
    [row] = files_of(draft)
    assert row.document_key == key and row.original_name == "to-khai.pdf" and row.blob.size == len(content)
    assert db.session.scalar(select(func.count()).select_from(UploadSession)) == 0
    assert client.head(location).status_code == 404
    assert list(Path(app.config["STORAGE_DIR"], "partial").glob("*")) == []


def test_an_abandoned_upload_expires(app, client, draft, runner):
    token = token_for(client, draft)
    location = create(client, draft, token, 100, draft.procedure.documents[0]["key"]).headers["Location"]
    assert patch(client, location, token, 0, pdf()[:40]).status_code == 204
    upload = db.session.scalar(select(UploadSession))
    upload.expires_at -= timedelta(days=2)
    db.session.commit()
    assert client.head(location).status_code == 404
    result = runner.invoke(args=["files", "gc"])
    assert result.exit_code == 0 and "1 lượt tải lên dở dang" in result.output
    assert db.session.scalar(select(func.count()).select_from(UploadSession)) == 0
    assert list(Path(app.config["STORAGE_DIR"], "partial").glob("*")) == []


def test_refused_uploads_store_nothing_and_name_the_file_and_the_document(client, draft):
    document = draft.procedure.documents[0]
    key, name = document["key"], document["name_vi"]
    token = token_for(client, draft)
    too_big = create(client, draft, token, limits().max_file + 1, key)
    assert too_big.status_code == 413 and f"Tệp “to-khai.pdf” (Giấy tờ: {name})" in too_big.json["message"]
    assert client.post(f"/ho-so/{draft.id}/tai-len/", headers={"Tus-Resumable": "1.0.0",
                                                                "Upload-Length": "10"}).status_code == 400  # no CSRF

    heic = b"\x00\x00\x00\x18ftypheic" + bytes(200)
    location = create(client, draft, token, len(heic), key, filename="anh-cccd.heic").headers["Location"]
    refused = patch(client, location, token, 0, heic[:64])  # refused from its first bytes
    assert refused.status_code == 415
    assert refused.json["message"] == f"Tệp “anh-cccd.heic” (Giấy tờ: {name}) không phải PDF hoặc ảnh JPEG/PNG."
    assert client.head(location).headers["Upload-Offset"] == "0"
    assert client.delete(location, headers=tus_headers(token)).status_code == 204

    # The page without JavaScript says the same.
    page = client.post(f"/ho-so/{draft.id}/giay-to/{key}", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": upload("anh-cccd.heic", heic)})
    assert page.status_code == 415
    assert f"Tệp “anh-cccd.heic” (Giấy tờ: {name}) không phải PDF hoặc ảnh JPEG/PNG." in page.get_data(as_text=True)
    assert files_of(draft) == []


def test_a_camera_photo_for_a_document_wanted_as_pdf_becomes_a_small_pdf(client, draft):
    document = draft.procedure.documents[0]
    draft.procedure.documents = [{**document, "accept": ["application/pdf"]}, *draft.procedure.documents[1:]]
    db.session.commit()
    shot = camera_photo()
    token = token_for(client, draft)
    response = client.post(f"/ho-so/{draft.id}/giay-to/{document['key']}", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": upload("IMG_0042.jpg", shot)})
    assert response.status_code == 302
    [row] = files_of(draft)
    assert row.original_name == "IMG_0042.pdf" and row.blob.content_type == "application/pdf"
    stored = row.blob
    assert stored.size < len(shot) // 3
    data = read_blob(stored.sha256)
    pdf_check.check_pdf(data)  # the same structural check as any uploaded PDF
    [page] = PdfReader(io.BytesIO(data)).pages
    images = list(page.images)
    assert len(images) == 1 and max(images[0].image.size) == 2000
