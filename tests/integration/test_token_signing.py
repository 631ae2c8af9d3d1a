"""The agency seal (and a leader who chooses it) on a PKCS#11 token (softhsm2): issued by the
deployment CA with no key in the database, signing approvals at B-LTA, and a token that cannot
be used answering 503 with nothing changed, on every door."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.messages import message_for
from portal.models import AuditEntry, Dossier, DossierEvent, DossierFile, SigningCertificate
from portal.operations import certificates, lifecycle, signing
from portal.storage import read_blob
from signatures import token
from tests.conftest import PASSWORD, require_tool
from tests.integration.lifecycle_helpers import act, build_office, vn
from tests.integration.signing_helpers import at_leader_step, simple_pdf


@pytest.fixture
def office(make_user):
    return build_office(make_user)


@pytest.fixture
def hsm(app, softhsm, monkeypatch):
    """The app configured for the test's softhsm2 token."""
    monkeypatch.setitem(app.config, "PKCS11_MODULE", softhsm.module_path)
    monkeypatch.setitem(app.config, "PKCS11_TOKEN_LABEL", softhsm.token_label)
    monkeypatch.setitem(app.config, "PKCS11_PIN", softhsm.pin)
    return softhsm


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _results(dossier_id: int) -> list[DossierFile]:
    return list(db.session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result").order_by(DossierFile.id)))


def _seal_on_token(office) -> SigningCertificate:
    certificates.init_ca()
    row = certificates.issue_on_token(agency=office.procedure.agency)
    db.session.commit()
    return row


def test_the_seal_certificate_is_stored_without_its_key(app, office, hsm):
    row = _seal_on_token(office)
    assert row.purpose == "seal" and row.source == "pkcs11" and row.private_key_pem is None
    assert row.agency_id == office.procedure.agency.id and certificates.is_trusted(row)
    cert = certificates.certificate_of(row)
    key = token.find_key(hsm, key_id=token.key_id_of(cert))
    assert key.public_key.public_numbers() == cert.public_key().public_numbers()
    assert key.label == f"seal {office.procedure.agency.code}"
    # Nothing in the database holds a private key of the seal.
    stored = db.session.execute(select(SigningCertificate.certificate_pem, SigningCertificate.chain_pem,
                                       SigningCertificate.private_key_pem).where(SigningCertificate.id == row.id)).one()
    assert "PRIVATE KEY" not in "".join(value or "" for value in stored)
    assert certificates.find_usable("seal", agency_id=row.agency_id) is row
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pki.certificate_issued",
                                                       AuditEntry.object_id == row.serial))
    assert entry is not None


def test_approval_sealed_on_the_token_validates_at_b_lta(app, office, hsm, tmp_path):
    row = _seal_on_token(office)
    dossier = at_leader_step(office)
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0))
    (result,) = _results(dossier.id)
    pdf = read_blob(result.blob_sha256)
    report = certificates.verify_document(pdf)
    assert report.verdict == "valid", report.message_en
    leader, seal = report.signatures
    assert leader.signer == office.agency_leader.full_name and seal.signer == dossier.agency.name_vi
    assert leader.level == "B-LTA" and seal.level == "B-LTA" and seal.trusted and seal.intact
    # The seal is the token's certificate (no other seal was issued on first use).
    assert _count(SigningCertificate, SigningCertificate.purpose == "seal") == 1
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures
    assert embedded[1].signer_cert.dump() == certificates.certificate_of(row).public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)

    pdfsig = require_tool("pdfsig")
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60).stdout
    blocks = [b for b in out.split("Signature #")[1:] if "ETSI.CAdES.detached" in b]
    assert len(blocks) == 2, out
    assert dossier.agency.name_vi in blocks[1]
    assert all("Signature Validation: Signature is Valid." in b for b in blocks), out


def test_a_leader_may_sign_with_a_token_key_too(app, office, hsm):
    certificates.init_ca()
    person = certificates.issue_on_token(user=office.agency_leader, key_type="rsa")
    db.session.commit()
    assert person.private_key_pem is None and person.source == "pkcs11"
    signed = signing.sign_form(simple_pdf(), office.agency_leader, None, "Ký thử trên thiết bị")
    report = certificates.verify_document(signed)
    assert report.verdict == "valid", report.message_en
    assert report.signatures[0].signer == office.agency_leader.full_name
    # A certificate on the token is preferred to one whose key is stored in the database.
    certificates.issue_for_user(office.agency_leader)
    db.session.commit()
    assert certificates.find_usable("person", user_id=office.agency_leader.id) == person


def test_register_an_existing_token_key_by_id_or_label(app, office, hsm):
    certificates.init_ca()
    existing = token.generate_key(hsm, label="Con dấu Sở")
    by_label = certificates.issue_on_token(agency=office.procedure.agency, key_label="Con dấu Sở")
    assert token.key_id_of(certificates.certificate_of(by_label)) == existing.key_id
    by_id = certificates.issue_on_token(agency=office.procedure.agency, key_id=existing.key_id)
    assert token.key_id_of(certificates.certificate_of(by_id)) == existing.key_id
    with pytest.raises(certificates.KeyStoreUnavailable) as missing:
        certificates.issue_on_token(agency=office.procedure.agency, key_id=b"\x00\x01")
    assert missing.value.status == 503 and missing.value.params["reason"] == "key"


@pytest.mark.parametrize("broken", ["module", "pin", "token", "unset"])
def test_token_unavailable_is_503_and_changes_nothing(app, office, hsm, monkeypatch, tmp_path, broken):
    _seal_on_token(office)
    dossier = at_leader_step(office)
    version = dossier.version
    events = _count(DossierEvent, DossierEvent.dossier_id == dossier.id)
    certificates_before = _count(SigningCertificate)
    token.reset()  # the cached session would otherwise outlive the configuration change
    setting, value = {
        "module": ("PKCS11_MODULE", str(tmp_path / "khong-co.so")),
        "pin": ("PKCS11_PIN", "999999"),
        "token": ("PKCS11_TOKEN_LABEL", "token-da-rut-ra"),
        "unset": ("PKCS11_MODULE", None),
    }[broken]
    monkeypatch.setitem(app.config, setting, value)
    with pytest.raises(certificates.KeyStoreUnavailable) as error:
        lifecycle.perform(dossier.id, "approve", office.agency_leader, lifecycle.ActionInput(version=version))
    db.session.rollback()
    assert error.value.status == 503 and error.value.code == "key_store_unavailable"
    with app.test_request_context():
        assert "thiết bị lưu khóa ký số" in message_for(error.value)
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.version == version and not dossier.result_signed and dossier.status == "in_process"
    assert _count(DossierEvent, DossierEvent.dossier_id == dossier.id) == events
    assert _results(dossier.id) == [] and _count(SigningCertificate) == certificates_before

    # The token is back: the same action goes through.
    monkeypatch.setitem(app.config, setting, getattr(hsm, {"PKCS11_MODULE": "module_path", "PKCS11_PIN": "pin",
                                                           "PKCS11_TOKEN_LABEL": "token_label"}[setting]))
    token.reset()
    act(dossier.id, "approve", office.agency_leader, vn(2026, 11, 24, 9, 0), version=version)
    assert db.session.get(Dossier, dossier.id).result_signed and len(_results(dossier.id)) == 1


def _api_token(client, username: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def test_api_answers_503_in_vietnamese_and_the_retry_succeeds(app, client, office, hsm, monkeypatch):
    _seal_on_token(office)
    dossier = at_leader_step(office)
    headers = {"Authorization": f"Bearer {_api_token(client, office.agency_leader.username)}"}
    token.reset()
    monkeypatch.setitem(app.config, "PKCS11_PIN", "111111")
    url = f"/api/v1/dossiers/{dossier.id}/actions/approve"
    refused = client.post(url, json={"version": dossier.version}, headers=headers)
    assert refused.status_code == 503, refused.get_json()
    body = refused.get_json()["error"]
    assert body["code"] == "key_store_unavailable" and "thiết bị lưu khóa ký số" in body["message"]
    assert "111111" not in refused.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Dossier, dossier.id).result_signed
    monkeypatch.setitem(app.config, "PKCS11_PIN", hsm.pin)
    token.reset()
    done = client.post(url, json={"version": dossier.version}, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert len(_results(dossier.id)) == 1


def test_pki_commands_on_the_token(app, runner, office, hsm, monkeypatch):
    assert runner.invoke(args=["pki", "init-ca", "--key-type", "ec"]).exit_code == 0
    code = office.procedure.agency.code
    seal = runner.invoke(args=["pki", "issue-seal", code, "--pkcs11"])
    assert seal.exit_code == 0, seal.output
    issued = runner.invoke(args=["pki", "issue", office.agency_leader.username, "--pkcs11", "--key-type", "rsa"])
    assert issued.exit_code == 0, issued.output
    existing = token.generate_key(hsm, label="khoa-co-san")
    by_id = runner.invoke(args=["pki", "issue-seal", code, "--pkcs11-key-id", existing.key_id.hex()])
    assert by_id.exit_code == 0, by_id.output
    by_label = runner.invoke(args=["pki", "issue-seal", code, "--pkcs11-key-label", "khoa-co-san"])
    assert by_label.exit_code == 0, by_label.output
    assert runner.invoke(args=["pki", "issue-seal", code, "--pkcs11-key-id", "zz"]).exit_code != 0
    both = runner.invoke(args=["pki", "issue-seal", code, "--pkcs11-key-id", "01", "--pkcs11-key-label", "x"])
    assert both.exit_code != 0

    rows = db.session.scalars(select(SigningCertificate).where(SigningCertificate.source == "pkcs11")).all()
    assert len(rows) == 4 and all(r.private_key_pem is None for r in rows)
    listing = runner.invoke(args=["pki", "list"])
    assert listing.exit_code == 0 and listing.output.count("khóa trên thiết bị PKCS#11") == 4
    assert existing.key_id.hex() in listing.output and "PRIVATE" not in listing.output

    token.reset()
    monkeypatch.setitem(app.config, "PKCS11_PIN", "000000")
    refused = runner.invoke(args=["pki", "issue-seal", code, "--pkcs11"])
    assert refused.exit_code != 0 and "thiết bị lưu khóa ký số" in refused.output and "PIN" in refused.output
    assert "000000" not in refused.output
    db.session.expire_all()
    assert _count(SigningCertificate, SigningCertificate.source == "pkcs11") == 4  # nothing written
