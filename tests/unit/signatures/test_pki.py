from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signatures.pki import (
    CertifiedKey,
    PkiError,
    TrustStore,
    WrongPasswordError,
    cert_to_pem,
    create_ca,
    encrypt_key_pem,
    export_pkcs12,
    generate_private_key,
    issue_certificate,
    load_key_pem,
    load_pkcs12,
)


def test_vietnamese_subject_is_utf8(pki):
    cert = pki.leader.certificate
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0]
    assert cn.value == "Trần Văn Đức"
    assert cn._type.name == "UTF8String"
    assert cert.issuer == pki.root.certificate.subject


def test_signer_extensions(pki):
    cert = pki.officer.certificate
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = pki.root.certificate.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value
    assert aki.key_identifier == root_ski.digest != ski.digest
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["hoa.nt@laichau.gov.vn"]
    # the certificate really is signed by the root
    cert.verify_directly_issued_by(pki.root.certificate)


def test_tsa_extensions(pki):
    cert = pki.tsa.certificate
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.content_commitment


def test_ca_extensions(pki):
    cert = pki.root.certificate
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign
    assert cert.signature_hash_algorithm.name == "sha256"


def test_rsa_1024_refused(pki):
    with pytest.raises(PkiError, match="2048"):
        issue_certificate(pki.root, "Yếu", rsa_bits=1024)
    with pytest.raises(ValueError):
        generate_private_key("rsa", rsa_bits=1024)


def test_small_curve_refused():
    with pytest.raises(PkiError):
        generate_private_key("ec", curve=ec.SECP224R1())


def test_ecdsa_p256_and_p384(pki):
    ck = issue_certificate(pki.root, "Lê Thị Én", key_type="ec")
    assert isinstance(ck.private_key, ec.EllipticCurvePrivateKey)
    assert ck.private_key.curve.name == "secp256r1"
    big = issue_certificate(pki.root, "Lê Thị Én", key_type="ec", curve=ec.SECP384R1())
    assert big.private_key.curve.name == "secp384r1"
    ec_ca = create_ca("CA EC", "Thử nghiệm", key_type="ec")
    child = issue_certificate(ec_ca, "Con", key_type="ec")
    assert child.certificate.signature_hash_algorithm.name == "sha256"
    child.certificate.verify_directly_issued_by(ec_ca.certificate)


def test_pkcs12_round_trip(pki):
    data = export_pkcs12(pki.officer, b"mat-khau-123")
    back = load_pkcs12(data, b"mat-khau-123")
    assert back.certificate == pki.officer.certificate
    assert back.chain == (pki.root.certificate,)
    assert back.private_key.private_numbers() == pki.officer.private_key.private_numbers()


def test_pkcs12_wrong_password(pki):
    data = export_pkcs12(pki.officer, b"dung")
    with pytest.raises(WrongPasswordError, match="mật khẩu"):
        load_pkcs12(data, b"sai")
    with pytest.raises(WrongPasswordError):
        load_pkcs12(data, None)
    with pytest.raises(PkiError):
        load_pkcs12(b"not a pkcs12 file", b"x")


def test_pkcs12_with_weak_key_refused(pki):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    weak = rsa.generate_private_key(65537, 1024)
    cert = (
        x509.CertificateBuilder()
        .subject_name(pki.root.certificate.subject)
        .issuer_name(pki.root.certificate.subject)
        .public_key(weak.public_key())
        .serial_number(1)
        .not_valid_before(pki.root.certificate.not_valid_before_utc)
        .not_valid_after(pki.root.certificate.not_valid_after_utc)
        .sign(weak, __import__("cryptography").hazmat.primitives.hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"weak", weak, cert, None, BestAvailableEncryption(b"pw")
    )
    with pytest.raises(PkiError, match="2048"):
        load_pkcs12(data, b"pw")


def test_encrypted_key_pem(pki):
    pem = encrypt_key_pem(pki.seal.private_key, b"kho-bi-mat")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert load_key_pem(pem, b"kho-bi-mat").private_numbers() == (
        pki.seal.private_key.private_numbers()
    )
    with pytest.raises(WrongPasswordError):
        load_key_pem(pem, b"sai")


def test_no_key_material_in_repr(pki):
    ck = pki.officer
    text = repr(ck) + str(ck) + repr(pki)
    assert "Nguyễn Thị Hoà" in repr(ck)
    d = ck.private_key.private_numbers().d
    assert str(d) not in text and format(d, "x") not in text
    assert "PRIVATE" not in text


def test_mismatched_key_refused(pki):
    with pytest.raises(PkiError):
        CertifiedKey(pki.officer.certificate, pki.leader.private_key)


def test_trust_store_from_pem_dir(pki, tmp_path):
    (tmp_path / "root.pem").write_bytes(cert_to_pem(pki.root.certificate))
    (tmp_path / "other.crt").write_bytes(cert_to_pem(pki.untrusted_root.certificate))
    (tmp_path / "notes.txt").write_text("không phải chứng thư")
    store = TrustStore.from_pem_dir(tmp_path)
    assert len(store) == 2
    assert pki.root.certificate in store
    assert "CA Thử nghiệm" in repr(store)
    with pytest.raises(PkiError):
        TrustStore.from_pem(b"garbage")
