"""The portal's PKI (deployment CA in the database), form and result signing, the approve wiring."""

from __future__ import annotations

import re
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Dossier, DossierEvent, DossierFile, SigningCertificate
from portal.operations import certificates, dossiers, lifecycle, signing
from portal.storage import read_blob
from signatures import pki
from signatures.testing import TestPKI
from tests.conftest import ARTIFACTS, require_tool
from tests.integration.lifecycle_helpers import act, build_office, vn
from tests.integration.signing_helpers import at_leader_step, simple_pdf, tamper


@pytest.fixture
def office(make_user):
    return build_office(make_user)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_ca_lives_in_the_database_with_an_encrypted_key(app):
    row, created = certificates.init_ca()
    again, created_again = certificates.init_ca()
    assert created and not created_again and again.id == row.id
    assert row.purpose == "ca" and row.user_id is None
    assert row.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "BEGIN PRIVATE KEY" not in row.private_key_pem and "BEGIN RSA PRIVATE KEY" not in row.private_key_pem
    with pytest.raises(pki.WrongPasswordError):
        pki.load_key_pem(row.private_key_pem.encode(), b"not-the-password")
    key = pki.load_key_pem(row.private_key_pem.encode(), app.config["PKI_KEY_PASSWORD"].encode())
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert "PRIVATE" not in repr(row)
    assert cert in certificates.trust_store()
    assert certificates.root_pem() == row.certificate_pem


def test_issue_import_and_revoke(app, office, monkeypatch):
    row, ck = certificates.issue_for_user(office.agency_leader)
    db.session.flush()
    assert row.user_id == office.agency_leader.id and row.purpose == "person"
    assert row.chain_pem == certificates.root_pem()
    cert = certificates.certificate_of(row)
    assert pki.common_name(cert.subject) == office.agency_leader.full_name
    assert certificates.is_trusted(row)
    assert certificates.signer_for(row) is certificates.signer_for(row)  # cached per process

    # A "real" certificate from another CA, imported from PKCS#12 for the officer.
    foreign = TestPKI.get().officer
    p12 = pki.export_pkcs12(foreign, b"p12-secret")
    with pytest.raises(certificates.PkiOperationError) as wrong:
        certificates.import_pkcs12(p12, b"wrong", user=office.officer)
    assert wrong.value.code == "wrong_password"
    with pytest.raises(certificates.PkiOperationError):
        certificates.import_pkcs12(b"not a container", b"x", user=office.officer)
    imported = certificates.import_pkcs12(p12, b"p12-secret", user=office.officer)
    db.session.flush()
    assert imported.source == "imported" and imported.private_key_pem.startswith("-----BEGIN ENCRYPTED")
    assert not certificates.is_trusted(imported)  # its root is not in the trust store
    with pytest.raises(certificates.PkiOperationError) as duplicate:
        certificates.import_pkcs12(p12, b"p12-secret", user=office.officer)
    assert duplicate.value.code == "duplicate"

    certificates.revoke(row.serial)
    db.session.flush()
    assert row.revoked_at is not None
    with pytest.raises(certificates.PkiOperationError):
        certificates.revoke(row.serial)
    monkeypatch.setitem(app.config, "SIGNING_AUTO_ISSUE", False)
    with pytest.raises(certificates.NoCertificate) as missing:
        signing.sign_form(simple_pdf(), office.agency_leader, None, "Thử")
    assert missing.value.code == "no_certificate" and missing.value.status == 422
    assert _count(AuditEntry, AuditEntry.action.like("pki.%")) >= 4


def test_trust_dir_adds_national_roots(app, office, tmp_path, monkeypatch):
    foreign = TestPKI.get()
    certificates.import_pkcs12(pki.export_pkcs12(foreign.leader, b"pw"), b"pw", user=office.agency_leader)
    signed = signing.sign_form(simple_pdf(), office.agency_leader, None, "Ký thử")
    assert certificates.verify_document(signed).verdict == "indeterminate"  # untrusted root
    (tmp_path / "national-root.pem").write_bytes(foreign.root.certificate.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setitem(app.config, "PKI_TRUST_DIR", str(tmp_path))
    report = certificates.verify_document(signed)
    assert report.verdict == "valid", report.message_en
    assert report.signatures[0].signer == "Trần Văn Đức"


def test_sign_form_is_b_t_with_a_visible_stamp_and_verifies(app, office):
    from portal.documents import SignatureBox

    office.officer.position = "Công chức Bộ phận Một cửa"
    box = SignatureBox(page=0, x1=300, y1=100, x2=520, y2=180)
    pdf = simple_pdf("Giấy tiếp nhận hồ sơ")
    signed = signing.sign_form(pdf, office.officer, box, "Giấy tiếp nhận hồ sơ")
    assert signed.startswith(pdf)  # an incremental update: the form itself is untouched
    report = certificates.verify_document(signed)
    assert report.verdict == "valid", report.message_en
    (sig,) = report.signatures
    assert sig.signer == office.officer.full_name and sig.level == "B-T" and sig.intact and sig.trusted
    assert certificates.verify_document(tamper(signed)).verdict == "invalid"
    from io import BytesIO

    from pypdf import PdfReader

    widget = PdfReader(BytesIO(signed)).pages[0]["/Annots"][0].get_object()
    assert [round(float(v)) for v in widget["/Rect"]] == [300, 100, 520, 180]


def _result_files(dossier_id: int) -> list[DossierFile]:
    return list(db.session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result").order_by(DossierFile.id)))


def test_approve_signs_the_result_by_the_leader_then_the_agency_seal(app, office):
    dossier = at_leader_step(office)
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0))
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.result_signed
    (result,) = _result_files(dossier.id)
    assert result.uploaded_by_id == office.agency_leader.id and result.blob.content_type == "application/pdf"
    event = db.session.scalar(select(DossierEvent).where(
        DossierEvent.dossier_id == dossier.id, DossierEvent.action == "approve"))
    assert event.payload["result_sha256"] == result.blob_sha256  # in the hash chain

    pdf = read_blob(result.blob_sha256)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "signed-result.pdf").write_bytes(pdf)  # for a look with a PDF reader
    report = certificates.verify_document(pdf)
    assert report.verdict == "valid", report.message_en
    leader, seal = report.signatures
    assert leader.signer == office.agency_leader.full_name
    assert seal.signer == dossier.agency.name_vi
    assert leader.level == "B-LTA" and seal.level == "B-LTA"
    assert all(s.trusted and s.intact for s in report.signatures)
    text = _pdf_text(pdf)
    # The document the catalogue names, under the deciding agency's header, numbered from its register.
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ" in text and dossier.code in text and "SỞ TÀI CHÍNH" in text
    assert re.search(r"Số: \d{2,}/GCN-STC\b", text) and "Nơi nhận" in text and "DỰ THẢO" not in text
    # Both seats exist before the first signature; certificates were issued on first use.
    assert _count(SigningCertificate, SigningCertificate.agency_id == dossier.agency_id,
                  SigningCertificate.purpose == "seal") == 1
    assert certificates.verify_document(tamper(pdf)).verdict == "invalid"


def _pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_pdfsig_lists_both_signatures(app, office, tmp_path):
    pdfsig = require_tool("pdfsig")
    dossier = at_leader_step(office)
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0))
    (result,) = _result_files(dossier.id)
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(read_blob(result.blob_sha256))
    out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60).stdout
    blocks = out.split("Signature #")[1:]
    signatures = [b for b in blocks if "ETSI.CAdES.detached" in b]  # the others are document timestamps
    assert len(signatures) == 2, out
    assert office.agency_leader.full_name in signatures[0] and dossier.agency.name_vi in signatures[1]
    assert all("Signature Validation: Signature is Valid." in b for b in signatures), out
    # The last revision (the seal's document timestamp) covers the file to its last byte.
    assert "Total document signed" in blocks[-1], out


def test_an_uploaded_draft_is_annexed_to_the_numbered_result(app, office):
    from portal.storage import put_blob

    dossier = at_leader_step(office)
    draft = simple_pdf("Ban ve thiet ke kem theo")
    blob = put_blob(draft, "application/pdf")
    db.session.add(DossierFile(dossier_id=dossier.id, kind="result_draft", blob_sha256=blob.sha256,
                               original_name="du-thao.pdf", uploaded_by_id=office.specialist.id))
    db.session.commit()
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0))
    (result,) = _result_files(dossier.id)
    signed = read_blob(result.blob_sha256)
    assert certificates.verify_document(signed).verdict == "valid"
    text = _pdf_text(signed)
    # The system's numbered result first, the uploaded pages after it, all under the signatures.
    assert text.index("GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ") < text.index("Ban ve thiet ke kem theo")
    assert re.search(r"Số: \d{2,}/GCN-", text)


def test_a_generated_draft_is_never_what_gets_signed(app, office):
    from portal.operations.drafts import add_result_draft

    dossier = at_leader_step(office)
    draft = add_result_draft(dossier, office.specialist, data=None, filename="", generate=True,
                             now=vn(2026, 11, 24, 8, 0))
    draft_text = _pdf_text(read_blob(draft.blob_sha256))
    assert "DỰ THẢO" in draft_text and re.search(r"Số: …", draft_text)
    db.session.commit()
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0))
    (result,) = _result_files(dossier.id)
    text = _pdf_text(read_blob(result.blob_sha256))
    assert "DỰ THẢO" not in text and text.count("GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ") == 1


def test_production_without_a_certificate_refuses_and_writes_nothing(app, office, monkeypatch):
    dossier = at_leader_step(office)
    monkeypatch.setitem(app.config, "SIGNING_AUTO_ISSUE", False)
    version = dossier.version
    events = _count(DossierEvent, DossierEvent.dossier_id == dossier.id)
    with pytest.raises(dossiers.DossierError) as error:
        lifecycle.perform(dossier.id, "approve", office.agency_leader, lifecycle.ActionInput(version=version))
    db.session.rollback()
    assert error.value.status == 422 and error.value.code in ("no_certificate", "no_ca")
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.version == version and not dossier.result_signed
    assert _count(DossierEvent, DossierEvent.dossier_id == dossier.id) == events
    assert _result_files(dossier.id) == [] and _count(SigningCertificate) == 0


def test_missing_seal_is_refused_before_any_signature(app, office, monkeypatch):
    dossier = at_leader_step(office)
    certificates.init_ca()
    certificates.issue_for_user(office.agency_leader)
    db.session.commit()
    monkeypatch.setitem(app.config, "SIGNING_AUTO_ISSUE", False)
    with pytest.raises(certificates.NoCertificate):
        lifecycle.perform(dossier.id, "approve", office.agency_leader, lifecycle.ActionInput(version=dossier.version))
    db.session.rollback()
    assert _result_files(dossier.id) == []


def test_production_refuses_to_sign_without_the_key_password_or_a_tsa(app, office, monkeypatch):
    monkeypatch.setitem(app.config, "PKI_KEY_PASSWORD", None)
    with pytest.raises(certificates.SigningNotConfigured) as no_password:
        signing.sign_form(simple_pdf(), office.officer, None, "Thử")
    assert no_password.value.status == 503 and no_password.value.code == "pki_password_missing"
    db.session.rollback()
    monkeypatch.setitem(app.config, "PKI_KEY_PASSWORD", "x" * 20)
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")
    with pytest.raises(certificates.SigningNotConfigured) as no_tsa:
        certificates.timestamper()
    assert no_tsa.value.code == "tsa_not_configured"


def test_config_defaults_per_environment(monkeypatch):
    from portal.config import build_config

    for name in ("PKI_KEY_PASSWORD", "SIGNING_AUTO_ISSUE", "TSA_URL", "PKI_TRUST_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    production = build_config("production")
    assert production["PKI_KEY_PASSWORD"] is None and production["SIGNING_AUTO_ISSUE"] is False
    testing = build_config("testing")
    assert testing["PKI_KEY_PASSWORD"] and testing["SIGNING_AUTO_ISSUE"] is True
    monkeypatch.setenv("TSA_URL", "https://tsa.example.vn/tsr")
    assert build_config("production")["TSA_URL"] == "https://tsa.example.vn/tsr"


def test_a_damaged_draft_is_a_clear_error(app, office):
    from portal.storage import put_blob

    dossier = at_leader_step(office)
    blob = put_blob(b"%PDF-1.7\nthis is not really a pdf", "application/pdf")
    db.session.add(DossierFile(dossier_id=dossier.id, kind="result_draft", blob_sha256=blob.sha256,
                               original_name="hong.pdf", uploaded_by_id=office.specialist.id))
    db.session.commit()
    with pytest.raises(signing.SigningFailure) as error:
        lifecycle.perform(dossier.id, "approve", office.agency_leader, lifecycle.ActionInput(version=dossier.version))
    db.session.rollback()
    assert error.value.code == "signing_failed" and error.value.status == 422
    assert _result_files(dossier.id) == []


def test_only_staff_get_certificates(app, office):
    with pytest.raises(certificates.NoCertificate):
        signing.sign_form(simple_pdf(), office.citizen, None, "Thử")
    with pytest.raises(certificates.PkiOperationError) as error:
        certificates.issue_for_user(office.citizen)
    assert error.value.code == "not_staff"
