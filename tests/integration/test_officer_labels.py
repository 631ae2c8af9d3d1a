"""Officer pages and the PDFs they hand out show every value by its label: no catalogue key (a
document, step, e-form field or agency key) and no enum value (status, action, role, channel...)
is visible text, on the dossier page at each status, the desk intake, the receipt page and the
generated PDFs (read with pdftotext)."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierFile, Procedure
from portal.models.files import FileKind
from tests.conftest import csrf_token_from, require_tool
from tests.integration.filing_helpers import PDF
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords, login  # noqa: F401
from tests.integration.test_office_api import at_stage
from workflow.states import Action, Channel, DeliveryMethod, ResultKind, Role, Status, Timeliness


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


class _Text(HTMLParser):
    """The text a reader sees (and hears): no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def forbidden_words(procedure: Procedure) -> set[str]:
    """The keys and enum values that must never be shown as they are."""
    words = {v.value for enum in (Status, Action, Role, Channel, Timeliness, ResultKind, DeliveryMethod, FileKind)
             for v in enum}
    words |= {d["key"] for d in procedure.documents} | {s["key"] for s in procedure.steps}
    words |= {f["name"] for f in procedure.form_schema} | {procedure.agency.code}
    for spec in procedure.form_schema:
        words |= {o["value"] for o in spec.get("options", []) if o.get("label_vi") not in (None, o["value"])}
    return words


def keys_in(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text))


def pdf_visible(data: bytes) -> str:
    tool = require_tool("pdftotext")
    out = subprocess.run([tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def _check_page(client, url: str, words: set[str]) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    found = keys_in(visible_text(html), words)
    assert not found, f"{url} shows keys {found}"
    return html


STAGES = [("submitted", "officer"), ("accepted", "officer"), ("phan-cong", "unit_leader"),
          ("tham-dinh", "specialist"), ("proposed", "specialist"), ("kiem-tra", "unit_leader"),
          ("phe-duyet", "agency_leader"), ("approved", "agency_leader"), ("ban-hanh", "clerk"),
          ("processed", "officer")]


def test_no_key_on_the_dossier_page_at_any_status_nor_in_its_pdfs(client, pages, office):
    words = forbidden_words(office.procedure)
    seen_forms: set[str] = set()
    for stage, role in STAGES:
        dossier_id = at_stage(office, stage)
        for user in {getattr(office, role), office.officer}:
            login(pages, user)
            html = _check_page(client, f"/mot-cua/ho-so/{dossier_id}", words)
            for form in re.findall(r'/bieu-mau/([a-z_]+)\.pdf', html):
                if (stage, form) in seen_forms:
                    continue
                seen_forms.add((stage, form))
                pdf = client.get(f"/mot-cua/ho-so/{dossier_id}/bieu-mau/{form}.pdf")
                assert pdf.status_code == 200
                found = keys_in(pdf_visible(pdf.data), words)
                assert not found, f"{form}.pdf at {stage} shows keys {found}"
        if stage == "approved":  # the signed result and its draft
            for row in db.session.scalars(select(DossierFile).where(
                    DossierFile.dossier_id == dossier_id,
                    DossierFile.kind.in_([FileKind.RESULT.value, FileKind.RESULT_DRAFT.value]))):
                data = client.get(f"/mot-cua/ho-so/{dossier_id}/tep/{row.id}").data
                found = keys_in(pdf_visible(data), words)
                assert not found, f"{row.kind} PDF shows keys {found}"
    assert {f for _, f in seen_forms} >= {"receipt", "control_sheet"}


def test_no_key_on_the_desk_intake_nor_the_receipt(client, pages, office):
    words = forbidden_words(office.procedure)
    login(pages, office.officer)
    code = office.procedure.code
    _check_page(client, f"/mot-cua/tiep-nhan?procedure={code}", words)
    dossier_id = at_stage(office, "accepted")
    _check_page(client, f"/mot-cua/ho-so/{dossier_id}/giay-tiep-nhan", words)
    # a refused intake page (errors shown) too
    page = client.get(f"/mot-cua/tiep-nhan?procedure={code}")
    refused = client.post("/mot-cua/tiep-nhan", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "procedure": code, "channel": "in_person",
        "full_name": "", "phone": "0987654321"}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert not keys_in(visible_text(refused.get_data(as_text=True)), words)


def test_desk_intake_eform_paper_documents_and_scans(client, pages, office):
    login(pages, office.officer)
    procedure = office.procedure
    code = procedure.code
    page = client.get(f"/mot-cua/tiep-nhan?procedure={code}")
    html = page.get_data(as_text=True)
    # every document shown at once, each with its scan input and its paper box, each box labelled
    for d in procedure.documents:
        assert f'name="scan-{d["key"]}"' in html
    boxes = re.findall(r'<input type="checkbox"[^>]*id="([^"]+)"', html)
    assert len(boxes) == len(procedure.documents)
    for box in boxes:
        assert f'<label for="{box}">' in html
    # the procedure's e-form fields
    for spec in procedure.form_schema:
        assert f'name="data-{spec["name"]}"' in html
    docs = procedure.documents
    required = [d["key"] for d in docs if d.get("required")]
    token = csrf_token_from(html)
    eform_name = procedure.form_schema[0]["name"]
    base = {"csrf_token": token, "procedure": code, "channel": "in_person", "id_number": "012190654321",
            "phone": "0987654321", "address": "Xã Tam Đường, tỉnh Lai Châu", f"data-{eform_name}": "Giá trị tờ khai"}
    # one field wrong: the page again, in Vietnamese, everything else kept
    wrong = client.post("/mot-cua/tiep-nhan", data={**base, "full_name": "", "paper": required},
                        content_type="multipart/form-data")
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'class="error-summary"' in text and 'href="#full_name"' in text
    assert "Vui lòng nhập họ và tên người nộp." in text and "This field is required" not in text
    assert 'value="012190654321"' in text and "Giá trị tờ khai" in text and "Xã Tam Đường" in text
    for key in required:
        assert re.search(rf'<input type="checkbox" name="paper" value="{re.escape(key)}"[^>]*checked', text)

    paper, scanned = required[1:], required[0]
    response = client.post("/mot-cua/tiep-nhan", data={
        **base, "full_name": "Hoàng Thị Thu Hương", "paper": paper,
        f"scan-{scanned}": [(BytesIO(PDF), "trang-1.pdf"), (BytesIO(PDF + b"\n%2"), "trang-2.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.endswith("/giay-tiep-nhan")
    dossier = db.session.scalar(select(Dossier).order_by(Dossier.id.desc()).limit(1))
    assert dossier.form_data[eform_name] == "Giá trị tờ khai" and not any(k.startswith("data-") for k in dossier.form_data)
    scans = db.session.scalars(select(DossierFile).where(DossierFile.dossier_id == dossier.id)).all()
    assert sorted((s.document_key, s.original_name) for s in scans) == [(scanned, "trang-1.pdf"), (scanned, "trang-2.pdf")]
    receipt = client.get(response.location).get_data(as_text=True)
    assert "/bieu-mau/receipt.pdf" in receipt
    html = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    # paper documents are received, not missing
    assert html.count("đã nhận bản giấy tại Bộ phận Một cửa") == len(paper)
    assert 'class="no-file"' not in html or all(
        f'{d["name_vi"]}' not in html.split('class="no-file"')[1][:400] for d in docs if d["key"] in required)


def test_a_double_submit_of_the_intake_registers_one_dossier(client, pages, office):
    login(pages, office.officer)
    code = office.procedure.code
    html = client.get(f"/mot-cua/tiep-nhan?procedure={code}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', html)
    assert key, "the intake form carries an idempotency key"
    required = [d["key"] for d in office.procedure.documents if d.get("required")]
    form = {"csrf_token": csrf_token_from(html), "idempotency_key": key.group(1), "procedure": code,
            "channel": "post", "full_name": "Hoàng Thị Thu Hương", "paper": required}
    before = db.session.scalar(select(func.count(Dossier.id)))
    first = client.post("/mot-cua/tiep-nhan", data=form, content_type="multipart/form-data")
    second = client.post("/mot-cua/tiep-nhan", data=form, content_type="multipart/form-data")
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert db.session.scalar(select(func.count(Dossier.id))) == before + 1


def test_the_receipt_is_sent_to_the_applicant_by_email_and_sms(client, pages, office):
    from portal.models import AuditEntry
    from portal.models.filing import OutboxMessage

    login(pages, office.officer)
    code = office.procedure.code
    html = client.get(f"/mot-cua/tiep-nhan?procedure={code}").get_data(as_text=True)
    required = [d["key"] for d in office.procedure.documents if d.get("required")]
    registered = client.post("/mot-cua/tiep-nhan", data={
        "csrf_token": csrf_token_from(html), "procedure": code, "channel": "in_person",
        "full_name": "Lò Văn Sáng", "phone": "0987654321", "email": "sang@example.vn", "paper": required},
        content_type="multipart/form-data")
    assert registered.status_code == 302
    receipt_page = client.get(registered.location).get_data(as_text=True)
    assert "sang@example.vn" in receipt_page and "0987654321" in receipt_page
    dossier = db.session.scalar(select(Dossier).order_by(Dossier.id.desc()).limit(1))
    before = db.session.scalar(select(func.count(OutboxMessage.id)))
    sent = client.post(f"/mot-cua/ho-so/{dossier.id}/giay-tiep-nhan/gui",
                       data={"csrf_token": csrf_token_from(receipt_page)})
    assert sent.status_code == 302
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(2)).all()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == before + 2
    assert {r.channel for r in rows} == {"email", "sms"}
    assert all(dossier.code in (r.body or "") for r in rows)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "dossier.receipt_sent")) == 1
    # an applicant without contact: nothing to send, said in Vietnamese, nothing queued
    from portal.operations import desk
    from portal.operations.dossiers import DossierError

    dossier.applicant = {"full_name": "Không Liên Lạc"}
    db.session.flush()
    with pytest.raises(DossierError) as refused:
        desk.send_receipt(dossier.id, office.officer)
    assert refused.value.code == "no_contact"
