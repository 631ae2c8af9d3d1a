"""A dossier handed over by the national portal: signed, created once, checked like a citizen's."""

from __future__ import annotations

import base64
import json
import time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierFile, FileBlob, User
from portal.storage import blob_path
from signatures.webhook import signed_headers
from tests.conftest import PASSWORD
from tests.integration.filing_helpers import EXE, valid_data
from tests.integration.lifecycle_helpers import build_office
from tests.integration.national_helpers import (  # noqa: F401
    SECRET,
    edited,
    filing_spec,
    hand_over,
    national_simulator,
    simulator,
)
from tests.integration.office_helpers import fast_passwords  # noqa: F401


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_signed_dossier_is_created_once(client, pages, office, simulator):  # noqa: F811
    built = simulator.dossier_request(**filing_spec(office.procedure, valid_data(office.procedure),
                                                    national_code="G22.000.00.00-261130-0001"))
    first = hand_over(client, built)
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    assert answer["status"] == "submitted" and answer["status_code"] == 1
    dossier = db.session.get(Dossier, answer["id"])
    assert dossier.source == "national" and dossier.channel == "online"
    assert dossier.national_code == "G22.000.00.00-261130-0001"
    required = [d["key"] for d in office.procedure.documents if d.get("required")]
    files = db.session.scalars(select(DossierFile).where(DossierFile.dossier_id == dossier.id)).all()
    assert sorted(f.document_key for f in files) == sorted(required)
    # The applicant: a citizen account found or created by the ID number, with no usable password.
    applicant = db.session.get(User, dossier.applicant_id)
    assert applicant.role == "citizen" and applicant.id_number == "012190000777"
    assert not applicant.check_password(PASSWORD) and not applicant.check_password("")

    # The same request again (a retry of the national portal): the same dossier, nothing new.
    again = hand_over(client, built)
    assert again.status_code == 200 and again.get_json()["id"] == dossier.id
    assert count(Dossier, Dossier.national_code == dossier.national_code) == 1
    # The same national code with another body: a conflict.
    body, headers = edited(built, lambda b: b["applicant"].update(full_name="Người Khác"))
    assert hand_over(client, built, body, headers).status_code == 409

    # A second dossier of the same person is attached to the same account.
    other = simulator.dossier_request(**filing_spec(office.procedure, valid_data(office.procedure)))
    assert hand_over(client, other).status_code == 201
    assert count(User, User.id_number == "012190000777") == 1

    # Officers see where it came from, on the queue and on the dossier page.
    pages.login(office.officer.username, PASSWORD)
    assert "Cổng DVC quốc gia" in client.get("/mot-cua/?queue=new").get_data(as_text=True)
    assert "Cổng DVC quốc gia" in client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)


def test_signatures_are_required(client, office, simulator):  # noqa: F811
    built = simulator.dossier_request(**filing_spec(office.procedure, valid_data(office.procedure)))
    raw = built["body"].encode()
    wrong = signed_headers("another-secret", raw)
    stale = signed_headers(SECRET, raw, now=time.time() - 301)
    for headers in (wrong, stale, {"Content-Type": "application/json"}):
        answer = hand_over(client, built, raw, headers)
        assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "bad_signature"
    tampered = raw.replace(b"L\xc3\xb2 Th\xe1\xbb\x8b Mai", b"L\xc3\xb2 Th\xe1\xbb\x8b Lan")
    assert tampered != raw and hand_over(client, built, tampered, built["headers"]).status_code == 401
    assert count(Dossier, Dossier.source == "national") == 0


def test_an_invalid_document_stores_nothing(client, office, simulator, app):  # noqa: F811
    def wrong_hash(body):
        body["documents"][-1]["sha256"] = "0" * 64  # after the others were stored

    def executable(body):
        body["documents"][0]["content_base64"] = base64.b64encode(EXE).decode()
        body["documents"][0]["sha256"] = __import__("hashlib").sha256(EXE).hexdigest()

    def unknown_procedure(body):
        body["procedure"] = "KHONG-CO"

    built = simulator.dossier_request(**filing_spec(office.procedure, valid_data(office.procedure)))
    first_document = json.loads(built["body"])["documents"][0]
    stored = blob_path(first_document["sha256"])
    users, blobs = count(User), count(FileBlob)
    for change, code in ((wrong_hash, "national_sha256_mismatch"), (executable, "wrong_type"),
                         (unknown_procedure, "unknown_procedure")):
        body, headers = edited(built, change)
        answer = hand_over(client, built, body, headers)
        assert answer.status_code == 422 and answer.get_json()["error"]["code"] == code, answer.get_json()
        # Nothing stored: no dossier, no account, no file row, no file on disk.
        assert count(Dossier, Dossier.source == "national") == 0
        assert (count(User), count(FileBlob)) == (users, blobs)
        assert not stored.exists()
