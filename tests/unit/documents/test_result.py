"""The result document and the letters of the deciding agency (pure renderers, no database)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from portal.documents import Applicant, Header, render_apology, render_stop_notice
from portal.documents.result import (
    CERTIFICATE,
    DECISION,
    LICENCE,
    REPLY,
    ResultData,
    form_details,
    render_result,
    result_document,
)
from tests.unit.documents import samples
from tests.unit.documents.conftest import pypdf_pages

CATALOGUE = Path(__file__).resolve().parents[3] / "portal" / "catalogue" / "data" / "procedures"


@pytest.mark.parametrize(("text", "kind", "name"), [
    ("Chứng chỉ hành nghề dược (hoặc văn bản trả lời nêu rõ lý do không cấp)", CERTIFICATE, "Chứng chỉ hành nghề dược"),
    ("Giấy chứng nhận đăng ký đầu tư hoặc văn bản từ chối nêu rõ lý do", CERTIFICATE, "Giấy chứng nhận đăng ký đầu tư"),
    ("Giấy phép xây dựng kèm bản vẽ thiết kế được đóng dấu", LICENCE, "Giấy phép xây dựng"),
    ("Quyết định hưởng trợ cấp hưu trí xã hội (hoặc văn bản trả lời nêu rõ lý do)", DECISION,
     "Quyết định hưởng trợ cấp hưu trí xã hội"),
    ("Thông tin tạm trú được cập nhật vào Cơ sở dữ liệu về cư trú; thông báo kết quả", REPLY,
     "Thông báo kết quả giải quyết thủ tục hành chính"),
])
def test_the_result_is_the_document_the_catalogue_names(text, kind, name):
    assert result_document(text) == result_document(text, True)
    assert (result_document(text).kind, result_document(text).name) == (kind, name)
    assert result_document(text, granted=False).kind == REPLY


def test_every_catalogue_result_names_one_document():
    for path in sorted(CATALOGUE.glob("*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = result_document(entry["result_vi"])
        assert "hoặc văn bản" not in document.name and "(" not in document.name and ";" not in document.name, path
        assert document.name[0].isupper(), path


def test_form_details_print_labels_not_keys():
    schema = [
        {"name": "full_name", "label_vi": "Họ và tên", "type": "string", "prefill": "full_name"},
        {"name": "degree", "label_vi": "Văn bằng", "type": "select",
         "options": [{"value": "dai-hoc-duoc", "label_vi": "Bằng tốt nghiệp đại học ngành dược"}]},
        {"name": "birth_date", "label_vi": "Ngày sinh", "type": "date"},
        {"name": "capital", "label_vi": "Vốn điều lệ", "type": "money"},
        {"name": "empty", "label_vi": "Trống", "type": "string"},
    ]
    values = {"full_name": "Lò Văn Pả", "degree": "dai-hoc-duoc", "birth_date": "1990-02-03", "capital": 1500000}
    assert form_details(schema, values) == [
        ("Văn bằng", "Bằng tốt nghiệp đại học ngành dược"), ("Ngày sinh", "03/02/1990"),
        ("Vốn điều lệ", "1.500.000 đồng"),
    ]


def _result(**changes) -> ResultData:
    values = dict(
        header=Header(managing_body="UBND TỈNH LAI CHÂU", unit="SỞ Y TẾ", number="07/GCN-SYT", date=date(2026, 12, 1)),
        document=result_document("Chứng chỉ hành nghề dược (hoặc văn bản trả lời nêu rõ lý do không cấp)"),
        dossier_code=samples.CODE, procedure_name="Cấp Chứng chỉ hành nghề dược",
        applicant=Applicant("Lò Văn Pả", "012345678901", "Bản Nà Luồng, xã Tam Đường", "", ""),
        received_at=datetime(2026, 11, 23, 9, 0, tzinfo=samples.VN), granted=True, reason="",
        agency_name="Sở Y tế tỉnh Lai Châu", signer_title="Giám đốc", signer_name="Vàng A Sử",
        legal_basis=["Luật Dược số 105/2016/QH13"], details=[("Văn bằng", "Bằng tốt nghiệp đại học ngành dược")],
        one_stop_unit="Trung tâm Phục vụ hành chính công tỉnh Lai Châu",
    )
    values.update(changes)
    return ResultData(**values)


def test_a_signed_result_carries_number_header_signer_and_recipients():
    form = render_result(_result())
    text = " ".join(pypdf_pages(form.pdf))
    for expected in ("UBND TỈNH LAI CHÂU", "SỞ Y TẾ", "Số: 07/GCN-SYT", "Lai Châu, ngày 01 tháng 12 năm 2026",
                     "CHỨNG CHỈ HÀNH NGHỀ DƯỢC", "Căn cứ Luật Dược số 105/2016/QH13", "Bản Nà Luồng, xã Tam Đường",
                     "Bằng tốt nghiệp đại học ngành dược", "GIÁM ĐỐC", "Vàng A Sử", "Nơi nhận",
                     "Trung tâm Phục vụ hành chính công tỉnh Lai Châu"):
        assert expected in text, expected
    assert "DỰ THẢO" not in text and "hoặc văn bản" not in text
    assert set(form.signature_boxes) == {"head", "seal"}


def test_a_decision_and_a_reply():
    decision = render_result(_result(document=result_document("Quyết định hưởng trợ cấp hưu trí xã hội"),
                                     signer_title="Chủ tịch", agency_name="Ủy ban nhân dân xã Tam Đường"))
    text = " ".join(pypdf_pages(decision.pdf))
    for expected in ("QUYẾT ĐỊNH", "Về việc hưởng trợ cấp hưu trí xã hội", "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ TAM ĐƯỜNG",
                     "Điều 1.", "Điều 3.", "Như Điều 3"):
        assert expected in text, expected
    reply = render_result(_result(document=result_document("", granted=False), granted=False,
                                  reason="Chưa đủ 18 tháng thực hành", details=[]))
    text = " ".join(pypdf_pages(reply.pdf))
    assert "V/v trả lời hồ sơ đề nghị Cấp Chứng chỉ hành nghề dược" in text and "Chưa đủ 18 tháng thực hành" in text
    assert "Kính gửi" in text and re.search(r"Số: 07/GCN-SYT", text)


def test_a_draft_is_marked_and_has_no_number():
    form = render_result(_result(draft=True))
    text = " ".join(pypdf_pages(form.pdf))
    assert "DỰ THẢO" in text and "07/GCN-SYT" not in text


def test_the_2025_apology_asks_to_extend_and_letters_have_recipients():
    text = " ".join(pypdf_pages(render_apology(samples.apology(recipients=["Trung tâm PVHCC"]), "2025").pdf))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text and "đề nghị gia hạn" in text
    assert "Nơi nhận" in text and "Trung tâm PVHCC" in text and "Lưu: VT" in text
    old = " ".join(pypdf_pages(render_apology(samples.apology(), "2018").pdf))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in old and "đề nghị gia hạn" not in old


def test_the_stop_notice_of_a_withdrawal():
    text = " ".join(pypdf_pages(render_stop_notice(samples.stop_notice(withdrawn=True)).pdf))
    assert "Theo đề nghị rút hồ sơ của Ông/Bà" in text and "Nơi nhận" in text
