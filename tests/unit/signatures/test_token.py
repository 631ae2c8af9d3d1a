"""Keys on a PKCS#11 token (softhsm2): generated non-extractable, a signature that validates at
B-LTA (pyHanko and pdfsig), selection by CKA_ID or label, and every way the token can be
unavailable."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509

from signatures import token
from signatures.pdf import StampText, sign_pdf
from signatures.pki import PkiError, certify_public_key
from signatures.verify import verify_pdf

from .conftest import require_tool


def _session(config: token.TokenConfig, rw: bool = False):
    import pkcs11

    return pkcs11.lib(config.module_path).get_token(token_label=config.token_label).open(rw=rw, user_pin=config.pin)


def _certificate(pki, key: token.TokenKey, name: str = "Văn phòng UBND tỉnh Lai Châu") -> x509.Certificate:
    return certify_public_key(pki.root, key.public_key, name, purpose="seal", organization=name,
                              key_identifier=key.key_id)


def _seal_pdf(config, pki, unsigned_pdf, key: token.TokenKey, level: str = "B-LTA") -> bytes:
    cert = _certificate(pki, key)
    with token.token_signer(config, cert, (pki.root.certificate,)) as signer:
        return sign_pdf(unsigned_pdf, signer, level=level, reason="Chữ ký số của cơ quan",
                        stamp=StampText("Văn phòng UBND tỉnh Lai Châu", "Chữ ký số của cơ quan"),
                        timestamper=pki.timestamper(), validation_context=pki.validation_context())


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_a_token_key_signs_at_b_lta_and_validates(softhsm, pki, trust, unsigned_pdf, key_type):
    key = token.generate_key(softhsm, label="seal-ubnd", key_type=key_type)
    assert key.key_id == x509.SubjectKeyIdentifier.from_public_key(key.public_key).digest
    cert = _certificate(pki, key)
    assert token.key_id_of(cert) == key.key_id
    signed = _seal_pdf(softhsm, pki, unsigned_pdf, key)
    assert signed.startswith(unsigned_pdf)
    report = verify_pdf(signed, trust, expected_level="B-LTA")
    assert report.verdict == "valid", report.message_en
    (sig,) = report.signatures
    assert sig.level == "B-LTA" and sig.intact and sig.trusted and sig.signer == "Văn phòng UBND tỉnh Lai Châu"


def test_pdfsig_accepts_the_token_signature(softhsm, pki, unsigned_pdf, tmp_path):
    pdfsig = require_tool("pdfsig")
    key = token.generate_key(softhsm, label="seal-ubnd")
    path = tmp_path / "seal.pdf"
    path.write_bytes(_seal_pdf(softhsm, pki, unsigned_pdf, key))
    out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60)
    text = out.stdout + out.stderr
    blocks = [b for b in text.split("Signature #")[1:] if "ETSI.CAdES.detached" in b]
    assert len(blocks) == 1, text
    assert "Signature Validation: Signature is Valid." in blocks[0], text
    assert "Văn phòng UBND tỉnh Lai Châu" in blocks[0]


def test_the_private_key_cannot_leave_the_token(softhsm):
    import pkcs11
    from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass

    key = token.generate_key(softhsm, label="seal-ubnd")
    token.reset()  # our own session below, not the module's cached one
    with _session(softhsm, rw=True) as session:
        private = session.get_key(ObjectClass.PRIVATE_KEY, id=key.key_id)
        assert private[Attribute.SENSITIVE] is True and private[Attribute.EXTRACTABLE] is False
        assert private[Attribute.ALWAYS_SENSITIVE] is True and private[Attribute.NEVER_EXTRACTABLE] is True
        assert private[Attribute.TOKEN] is True and private[Attribute.PRIVATE] is True
        with pytest.raises(pkcs11.AttributeSensitive):
            private[Attribute.VALUE]  # the EC private scalar
        with pytest.raises(pkcs11.PKCS11Error):
            private[Attribute.EXTRACTABLE] = True  # CKA_EXTRACTABLE cannot go back to true
        with pytest.raises(pkcs11.PKCS11Error):
            private[Attribute.SENSITIVE] = False
        # Wrapping (encrypted export) with a key the caller holds is refused as well.
        wrapping = session.generate_key(KeyType.AES, 256, template={Attribute.WRAP: True, Attribute.TOKEN: False})
        with pytest.raises(pkcs11.KeyUnextractable):
            wrapping.wrap_key(private, mechanism=Mechanism.AES_KEY_WRAP_PAD)


def test_rsa_private_key_is_not_exportable_either(softhsm):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    key = token.generate_key(softhsm, label="seal-rsa", key_type="rsa")
    token.reset()
    with _session(softhsm) as session:
        private = session.get_key(ObjectClass.PRIVATE_KEY, id=key.key_id)
        for attribute in (Attribute.PRIVATE_EXPONENT, Attribute.PRIME_1, Attribute.PRIME_2):
            with pytest.raises(pkcs11.AttributeSensitive):
                private[attribute]


def test_keys_are_found_by_id_or_label(softhsm):
    first = token.generate_key(softhsm, label="seal-a")
    second = token.generate_key(softhsm, label="seal-b")
    assert first.key_id != second.key_id
    assert token.find_key(softhsm, key_id=second.key_id).public_key.public_numbers() == \
        second.public_key.public_numbers()
    by_label = token.find_key(softhsm, label="seal-a")
    assert by_label.key_id == first.key_id and by_label.label == "seal-a"
    token.generate_key(softhsm, label="seal-a")  # a duplicate label: labels do not select keys
    with pytest.raises(token.TokenUnavailable) as twice:
        token.find_key(softhsm, label="seal-a")
    assert twice.value.reason == "key"
    with pytest.raises(token.TokenUnavailable) as unknown:
        token.find_key(softhsm, key_id=b"\x01\x02")
    assert unknown.value.reason == "key"
    with pytest.raises(ValueError):
        token.find_key(softhsm)


def test_a_certificate_for_another_key_is_refused(softhsm, pki, unsigned_pdf):
    key = token.generate_key(softhsm, label="seal-ubnd")
    other = token.generate_key(softhsm, label="other")
    # The certificate names the first key's ID but certifies the other public key.
    cert = certify_public_key(pki.root, other.public_key, "Giả", purpose="seal", key_identifier=key.key_id)
    with pytest.raises(token.TokenUnavailable) as error, token.token_signer(softhsm, cert):
        pass
    assert error.value.reason == "key" and "not the certificate's key" in str(error.value)


def test_the_session_is_reused_and_survives_a_reset(softhsm, pki, trust, unsigned_pdf):
    key = token.generate_key(softhsm, label="seal-ubnd")
    cert = _certificate(pki, key)
    with token.token_signer(softhsm, cert) as first:
        session = first.pyhanko_signer().pkcs11_session
    with token.token_signer(softhsm, cert) as second:
        assert second.pyhanko_signer().pkcs11_session is session
    token.reset()
    assert verify_pdf(_seal_pdf(softhsm, pki, unsigned_pdf, key, level="B-T"), trust).verdict == "valid"


def test_unavailable_token_wrong_module_wrong_pin_absent_token(softhsm, pki, tmp_path):
    key = token.generate_key(softhsm, label="seal-ubnd")
    cert = _certificate(pki, key)
    cases = {
        "module": token.TokenConfig(str(tmp_path / "no-such-module.so"), softhsm.token_label, softhsm.pin),
        "token": token.TokenConfig(softhsm.module_path, "khong-co-token", softhsm.pin),
        "pin": token.TokenConfig(softhsm.module_path, softhsm.token_label, "000000"),
    }
    not_a_module = tmp_path / "not-a-module.so"
    not_a_module.write_bytes(b"\x7fELF but not really")
    for reason, config in [*cases.items(), ("module", token.TokenConfig(str(not_a_module), None, "1"))]:
        with pytest.raises(token.TokenUnavailable) as error, token.token_signer(config, cert):
            pass
        assert error.value.reason == reason, (reason, error.value)
    # A refused PIN is not tried again (a real token locks its PIN after a few failures) ...
    with pytest.raises(token.TokenUnavailable) as again, token.token_signer(cases["pin"], cert):
        pass
    assert again.value.reason == "pin" and "not tried again" in str(again.value)
    # ... and the right one still works: nothing was locked or changed.
    with token.token_signer(softhsm, cert) as signer:
        assert signer.certificate == cert
    assert "000000" not in repr(cases["pin"]) and softhsm.pin not in repr(softhsm)


def test_a_certificate_without_key_identifier_is_refused():
    from signatures.testing import TestPKI

    cert = TestPKI.get().seal.certificate
    assert token.key_id_of(cert)  # ours always carry one
    builder_less = x509.load_pem_x509_certificate(_PEM_WITHOUT_SKI)
    with pytest.raises(PkiError):
        token.key_id_of(builder_less)


def _self_signed_without_ski() -> bytes:
    import datetime as dt

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "no-ski")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


_PEM_WITHOUT_SKI = _self_signed_without_ski()
