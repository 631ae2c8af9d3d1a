"""pyHanko's overall judgement (``bottom_line``) counts, not only the checks it is made of.

A signature field prepared for the leader (its seed values admit only the leader's certificate)
signed by the officer with a tool that ignores seed values: every byte is signed, the signature
is intact, the chain is trusted and nothing was changed afterwards, so each aspect the verifier
reports passes. Only pyHanko's ``bottom_line`` (which includes the seed-value constraints) says
the signature does not meet the document's requirements: the verdict must not be "valid".
"""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from signatures.pdf import KeyFileSigner, to_asn1_cert
from signatures.verify import verify_pdf

FIELD = "ChuKyLanhDao"


class SeedValueIgnoringSigner(signers.PdfSigner):
    """A signing tool that does not read the field's seed values (pyHanko's testing switch)."""

    _ignore_sv = True


def with_leader_field(pdf: bytes, leader_cert) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    only_the_leader = fields.SigSeedValueSpec(cert=fields.SigCertConstraints(
        flags=fields.SigCertConstraintFlags.SUBJECT, subjects=[to_asn1_cert(leader_cert)]))
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD, seed_value_dict=only_the_leader))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_field(pdf: bytes, key, signer_class=signers.PdfSigner) -> bytes:
    meta = signers.PdfSignatureMetadata(field_name=FIELD, reason="Phê duyệt kết quả", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = BytesIO()
    signer_class(meta, signer=KeyFileSigner(key).pyhanko_signer()).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)), output=out)
    return out.getvalue()


def test_a_field_reserved_for_the_leader_signed_by_someone_else_is_not_valid(pki, trust, unsigned_pdf):
    prepared = with_leader_field(unsigned_pdf, pki.leader.certificate)
    report = verify_pdf(sign_field(prepared, pki.officer, SeedValueIgnoringSigner), trust)
    (sig,) = report.signatures
    assert sig.signer == "Nguyễn Thị Hoà"
    assert sig.intact and sig.trusted and sig.covers_whole_document and sig.modifications == "none"
    assert sig.bottom_line is False
    assert not report.valid and report.verdict == "indeterminate"


def test_the_same_field_signed_by_the_leader_is_valid(pki, trust, unsigned_pdf):
    prepared = with_leader_field(unsigned_pdf, pki.leader.certificate)
    report = verify_pdf(sign_field(prepared, pki.leader), trust)
    assert report.verdict == "valid", report.message_en
    assert report.signatures[0].signer == "Trần Văn Đức"
