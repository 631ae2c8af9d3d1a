"""Applicants download the forms addressed to them; signed forms are issued once and kept."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import DossierFile
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn


@pytest.fixture
def accepted(make_user):
    office = build_office(make_user)
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 15))
    return office, dossier


def test_the_applicant_downloads_the_signed_receipt_and_gets_the_same_document_again(pages, client, accepted):
    office, dossier = accepted
    pages.login(office.citizen.username, PASSWORD)
    url = f"/ho-so/{dossier.id}/bieu-mau/receipt.pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first.data)).pages)
    assert dossier.code in text and "Lò Văn Pả" in text
    assert b"/ByteRange" in first.data  # signed by the receiving officer
    second = client.get(url)
    assert second.data == first.data
    kept = db.session.scalar(select(func.count()).select_from(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind == "form"))
    assert kept == 1


def test_internal_forms_unknown_forms_and_other_people_are_404(pages, client, accepted, make_user):
    office, dossier = accepted
    pages.login(office.citizen.username, PASSWORD)
    assert client.get(f"/ho-so/{dossier.id}/bieu-mau/control_sheet.pdf").status_code == 404
    assert client.get(f"/ho-so/{dossier.id}/bieu-mau/khong-co.pdf").status_code == 404
    assert client.get(f"/ho-so/{dossier.id}/bieu-mau/refusal.pdf").status_code == 404  # never refused
    pages.logout()
    make_user(username="nguoila")
    pages.login("nguoila", PASSWORD)
    assert client.get(f"/ho-so/{dossier.id}/bieu-mau/receipt.pdf").status_code == 404
