"""Verification page and API, remote signing round trip (the client is simulated with
``cryptography``), and the ``flask pki`` commands."""

from __future__ import annotations

import base64
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Dossier, DossierFile, SigningCertificate
from portal.operations import certificates, dossiers, signing
from portal.storage import read_blob
from signatures import pki
from signatures.testing import TestPKI
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, vn
from tests.integration.signing_helpers import at_leader_step, simple_pdf, tamper


@pytest.fixture
def office(make_user):
    return build_office(make_user)


@pytest.fixture
def signed_pdf(app, office) -> bytes:
    signed = signing.sign_form(simple_pdf("Giấy tiếp nhận"), office.officer, None, "Giấy tiếp nhận hồ sơ")
    db.session.commit()
    return signed


def post_file(client, data: bytes, name: str = "van-ban.pdf"):
    return client.post("/api/v1/verify", data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")


# -- POST /api/v1/verify ----------------------------------------------------------------------


def test_api_reports_a_valid_document(client, signed_pdf, office):
    response = post_file(client, signed_pdf)
    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "valid" and body["signature_count"] == 1
    assert body["message_vi"] and body["message_en"]
    (sig,) = body["signatures"]
    assert sig["signer"] == office.officer.full_name and sig["level"] == "B-T"
    assert sig["intact"] and sig["trusted"] and sig["signed_at"]


def test_api_reports_tampered_unsigned_and_broken_files(client, signed_pdf):
    tampered = post_file(client, tamper(signed_pdf)).get_json()
    assert tampered["verdict"] == "invalid"
    unsigned = post_file(client, simple_pdf()).get_json()
    assert unsigned["verdict"] == "unsigned" and unsigned["signatures"] == []
    broken = post_file(client, b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert broken.status_code == 200 and broken.get_json()["verdict"] == "invalid"


def test_api_rejects_bad_uploads_with_clear_errors(app, client, monkeypatch):
    garbage = post_file(client, b"\x00\x01 this is not a pdf at all", "x.pdf")
    assert garbage.status_code == 415 and garbage.get_json()["error"]["code"] == "not_pdf"
    missing = client.post("/api/v1/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "file_required"
    empty = post_file(client, b"")
    assert empty.status_code == 400
    monkeypatch.setitem(app.config, "VERIFY_MAX_BYTES", 1024)
    big = post_file(client, b"%PDF-1.7\n" + b"0" * 200_000)
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "too_large"


def test_the_api_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/verify", "/api/v1/dossiers/{dossier_id}/signing/prepare",
                 "/api/v1/signing/{session_id}/complete"):
        assert "post" in spec["paths"][path]


# -- the public page --------------------------------------------------------------------------


def submit_page(pages, data: bytes, name: str = "van-ban.pdf", url: str = "/kiem-tra-chu-ky/"):
    return pages.submit(url, {"file": (BytesIO(data), name)})


def test_page_shows_the_report_in_vietnamese(client, pages, signed_pdf, office):
    page = client.get("/kiem-tra-chu-ky/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in html
    assert '<label for="file">' in html and "Kiểm tra chữ ký số" in html
    response = submit_page(pages, signed_pdf)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kết quả: Hợp lệ" in html and office.officer.full_name in html and "B-T" in html
    assert "(+07:00)" in html
    bad = submit_page(pages, tamper(signed_pdf)).get_data(as_text=True)
    assert "Kết quả: Không hợp lệ" in bad
    unsigned = submit_page(pages, simple_pdf()).get_data(as_text=True)
    assert "Kết quả: Tài liệu không có chữ ký số" in unsigned and "Tài liệu không có chữ ký số." in unsigned
    assert "Chưa xác định được" not in unsigned


def test_page_refuses_garbage_without_a_500(pages):
    response = submit_page(pages, b"MZ\x90\x00 an executable", "virus.pdf")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Tệp không phải là tài liệu PDF." in html and 'aria-invalid="true"' in html
    assert submit_page(pages, b"", "empty.pdf").status_code == 422
    no_file = pages.submit("/kiem-tra-chu-ky/", {})
    assert no_file.status_code == 422 and "Hãy chọn một tệp PDF." in no_file.get_data(as_text=True)


def test_page_in_english_shows_the_english_message(client, pages, signed_pdf):
    response = submit_page(pages, simple_pdf(), url="/kiem-tra-chu-ky/?lang=en")
    html = response.get_data(as_text=True)
    assert "The document has no digital signature." in html
    assert "Tài liệu không có chữ ký số." not in html


def test_nav_links_to_the_page(client):
    assert 'href="/kiem-tra-chu-ky/"' in client.get("/").get_data(as_text=True)


# -- remote signing ---------------------------------------------------------------------------


def token(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def token_key(app, office):
    """The leader's key as it would sit on a USB token: the server only keeps the certificate."""
    row, ck = certificates.issue_for_user(office.agency_leader)
    row.private_key_pem = None
    db.session.commit()
    return ck.private_key


def client_sign(key, digest_b64: str) -> str:
    """What the token does: sign the pre-computed SHA-256 digest."""
    digest = base64.b64decode(digest_b64)
    value = key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    return base64.b64encode(value).decode()


def test_remote_signing_round_trip(app, client, office, token_key):
    dossier = at_leader_step(office)
    headers = token(client, office.agency_leader.username)
    prepared = client.post(f"/api/v1/dossiers/{dossier.id}/signing/prepare", json={"kind": "result"}, headers=headers)
    assert prepared.status_code == 201, prepared.get_json()
    body = prepared.get_json()
    assert body["algorithm"] == "sha256" and body["signature_algorithm"] == "ecdsa-sha256"
    assert len(base64.b64decode(body["digest"])) == 32 and body["expires_at"].endswith("+07:00")

    wrong = client.post(f"/api/v1/signing/{body['session']}/complete",
                        json={"signature": client_sign(ec.generate_private_key(ec.SECP256R1()), body["digest"])},
                        headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "signature_mismatch"
    garbled = client.post(f"/api/v1/signing/{body['session']}/complete", json={"signature": "%%%"}, headers=headers)
    assert garbled.status_code == 422
    other = token(client, office.specialist.username)
    stolen = client.post(f"/api/v1/signing/{body['session']}/complete",
                         json={"signature": client_sign(token_key, body["digest"])}, headers=other)
    assert stolen.status_code == 404

    done = client.post(f"/api/v1/signing/{body['session']}/complete",
                       json={"signature": client_sign(token_key, body["digest"])}, headers=headers)
    assert done.status_code == 200, done.get_json()
    file_id = done.get_json()["file"]["id"]
    again = client.post(f"/api/v1/signing/{body['session']}/complete",
                        json={"signature": client_sign(token_key, body["digest"])}, headers=headers)
    assert again.status_code == 409

    result = db.session.get(DossierFile, file_id)
    report = certificates.verify_document(read_blob(result.blob_sha256))
    assert report.verdict == "valid", report.message_en
    assert [s.signer for s in report.signatures] == [office.agency_leader.full_name, dossier.agency.name_vi]
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "signing.remote_completed")) == 1

    # approve records the decision and keeps the remotely signed result (no second signature)
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0))
    files = db.session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind == "result")).all()
    assert [f.id for f in files] == [file_id]
    assert db.session.get(Dossier, dossier.id).result_signed


def test_remote_signing_checks_who_and_when(app, client, office, token_key):
    dossier = at_leader_step(office)
    specialist = token(client, office.specialist.username)
    assert client.post(f"/api/v1/dossiers/{dossier.id}/signing/prepare", json={},
                       headers=specialist).status_code == 409
    assert client.post("/api/v1/dossiers/999999/signing/prepare", json={},
                       headers=token(client, office.agency_leader.username)).status_code == 404
    assert client.post(f"/api/v1/dossiers/{dossier.id}/signing/prepare", json={}).status_code == 401
    assert client.post("/api/v1/signing/nope/complete", json={"signature": "AAAA"},
                       headers=specialist).status_code == 404


def test_remote_signing_needs_a_registered_certificate(app, client, office):
    dossier = at_leader_step(office)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/signing/prepare", json={"kind": "result"},
                           headers=token(client, office.agency_leader.username))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "no_certificate"


def test_an_expired_session_is_refused(app, office, token_key):
    from datetime import timedelta

    dossier = at_leader_step(office)
    session, prepared = signing.prepare_remote(dossier, office.agency_leader, "result")
    value = token_key.sign(prepared.data_to_sign, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(dossiers.NotAllowed) as error:
        signing.complete_remote(session.id, value, user=office.agency_leader,
                                now=session.expires_at + timedelta(seconds=1))
    assert error.value.code == "signing_session_expired"


# -- flask pki --------------------------------------------------------------------------------


def test_pki_commands(app, runner, office, tmp_path):
    init = runner.invoke(args=["pki", "init-ca", "--key-type", "ec"])
    assert init.exit_code == 0 and "Đã tạo CA" in init.output
    assert "CA đã có" in runner.invoke(args=["pki", "init-ca"]).output
    issued = runner.invoke(args=["pki", "issue", office.agency_leader.username, "--key-type", "ec"])
    assert issued.exit_code == 0, issued.output
    seal = runner.invoke(args=["pki", "issue-seal", office.procedure.agency.code, "--key-type", "ec"])
    assert seal.exit_code == 0, seal.output
    p12 = tmp_path / "that.p12"
    p12.write_bytes(pki.export_pkcs12(TestPKI.get().officer, b"mat-khau"))
    bad = runner.invoke(args=["pki", "import", office.officer.username, str(p12), "--password", "sai"])
    assert bad.exit_code != 0 and "Sai mật khẩu" in bad.output
    imported = runner.invoke(args=["pki", "import", office.officer.username, str(p12), "--password", "mat-khau"])
    assert imported.exit_code == 0 and "Đã nhập" in imported.output
    assert "kho tin cậy" in imported.output  # warned: its root is not trusted here
    assert runner.invoke(args=["pki", "issue", "khong-co-ai"]).exit_code != 0

    listing = runner.invoke(args=["pki", "list"])
    assert listing.exit_code == 0
    assert "PRIVATE" not in listing.output and "BEGIN" not in listing.output
    rows = db.session.scalars(select(SigningCertificate)).all()
    assert {r.purpose for r in rows} == {"ca", "person", "seal"} and len(rows) == 4
    for row in rows:
        assert row.serial in listing.output

    person = next(r for r in rows if r.user_id == office.agency_leader.id)
    revoked = runner.invoke(args=["pki", "revoke", person.serial])
    assert revoked.exit_code == 0 and "Đã thu hồi" in revoked.output
    assert "đã thu hồi" in runner.invoke(args=["pki", "list"]).output
    assert runner.invoke(args=["pki", "revoke", person.serial]).exit_code != 0

    root = runner.invoke(args=["pki", "export-root"])
    assert root.exit_code == 0 and "PRIVATE" not in root.output
    cert = x509.load_pem_x509_certificate(root.output.encode())
    assert cert == certificates.certificate_of(next(r for r in rows if r.purpose == "ca"))
    out = tmp_path / "root.pem"
    assert runner.invoke(args=["pki", "export-root", "--output", str(out)]).exit_code == 0
    assert x509.load_pem_x509_certificate(out.read_bytes()) == cert
