from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from portal.documents import (
    FORM_SETS,
    HandoverRow,
    Header,
    RenderedForm,
    form_info,
    render_apology,
    render_control_sheet,
    render_receipt,
    render_refusal,
    render_stop_notice,
    render_supplement_request,
)

from . import samples
from .conftest import chunk_at, require_tool, squash, text_chunks

A4_W, A4_H = 595.2756, 841.8898


def _text(extract, form: RenderedForm) -> str:
    pages = extract(form.pdf)
    assert len(pages) == form.page_count
    return " ".join(pages)


def _assert_common_header(text: str, number: str, title: str) -> None:
    for expected in [
        number,
        "UBND TỈNH LAI CHÂU",  # given as "UBND tỉnh Lai Châu": printed upper case
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        title.upper(),
    ]:
        assert expected in text, expected


# ------------------------------------------------------------------------------------------
# Form sets


def test_form_sets_number_the_forms_per_circular():
    assert {k: v[0] for k, v in FORM_SETS["2018"].items()} == {
        "receipt": "Mẫu số 01", "supplement_request": "Mẫu số 02", "refusal": "Mẫu số 03",
        "apology": "Mẫu số 04", "control_sheet": "Mẫu số 05", "register": "Mẫu số 06",
    }
    assert {k: v[0] for k, v in FORM_SETS["2025"].items()} == {
        "receipt": "Mẫu số 01", "supplement_request": "Mẫu số 02", "refusal": "Mẫu số 03",
        "apology": "Mẫu số 04", "stop_notice": "Mẫu số 05", "control_sheet": "Mẫu số 06",
        "register": "Mẫu số 07",
    }
    assert FORM_SETS["2018"]["receipt"][1] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert FORM_SETS["2025"]["stop_notice"][1] == "Thông báo dừng giải quyết hồ sơ"
    with pytest.raises(ValueError, match="unknown form set"):
        form_info("2019", "receipt")


def test_unknown_form_set_is_rejected():
    with pytest.raises(ValueError, match="unknown form set"):
        render_receipt(samples.receipt(), form_set="2030")


# ------------------------------------------------------------------------------------------
# 01 receipt


@pytest.fixture(scope="module")
def receipt() -> RenderedForm:
    return render_receipt(samples.receipt())


def test_receipt_prints_every_field(receipt, extract):
    text = _text(extract, receipt)
    _assert_common_header(text, "Mẫu số 01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    for expected in [
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "Số: 1234/GTN-TTPVHCC",
        "Lai Châu, ngày 22 tháng 11 năm 2026",
        "Mã hồ sơ: 000.00.12.H33-261122-0042",
        "Ông/Bà: Nguyễn Thị Hồng Nhung",
        "012345678901",
        "Số 15, đường Trần Hưng Đạo, phường Tân Phong, thành phố Lai Châu",
        "0912 345 678",
        "hongnhung@example.vn",
        "Người được ủy quyền nộp hồ sơ: Lê Văn Đức",
        "Nội dung yêu cầu giải quyết: Cấp Giấy phép xây dựng đối với công trình cấp đặc biệt, "
        "cấp I, cấp II",
        "STT", "Tên giấy tờ", "Số lượng",
        "Đơn đề nghị cấp giấy phép xây dựng (Mẫu số 01)",
        "Giấy chứng nhận quyền sử dụng đất",
        "Bản sao có chứng thực",
        "Quyết định phê duyệt dự án đầu tư xây dựng",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 20 ngày làm việc",
        "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 22/11/2026",
        # due_at is 09:59 UTC: printed in Vietnam time
        "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 59 phút, ngày 21/12/2026",
        "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công tỉnh Lai Châu",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 05, Số thứ tự: 0042",
        "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Văn Hùng", "Lê Văn Đức",
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả được lập thành 02 liên; một liên giao cho "
        "cá nhân/tổ chức nộp hồ sơ; một liên lưu tại Bộ phận Tiếp nhận và Trả kết quả.",
        "Tra cứu hồ sơ",
    ]:
        assert expected in text, expected
    assert "09 giờ 59 phút" not in text


def test_receipt_is_one_a4_page_with_embedded_serif_fonts(receipt):
    reader = PdfReader(BytesIO(receipt.pdf))
    assert len(reader.pages) == 1 == receipt.page_count
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((A4_W, A4_H), abs=0.5)
    fonts = {
        str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert any("LiberationSerif-Bold" in f for f in fonts), fonts
    assert any("LiberationSerif-Italic" in f for f in fonts), fonts
    assert not any("Helvetica" in f or "Times-Roman" in f for f in fonts), fonts


def test_header_layout_left_right_and_margins(receipt):
    chunks = text_chunks(receipt.pdf)
    _, left_x, left_y = chunk_at(chunks, "UBND TỈNH LAI CHÂU")
    _, right_x, right_y = chunk_at(chunks, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    _, no_x, no_y = chunk_at(chunks, "Số: 1234/GTN-TTPVHCC")
    _, date_x, date_y = chunk_at(chunks, "Lai Châu, ngày 22 tháng 11 năm 2026")
    _, form_x, form_y = chunk_at(chunks, "Mẫu số 01")
    assert left_x < A4_W / 2 and right_x > left_x + 150  # left block / right block
    assert left_y == pytest.approx(right_y, abs=2)
    assert no_x < A4_W / 2 < date_x and no_y < left_y and date_y < right_y
    assert form_x > A4_W / 2 and form_y > right_y  # top corner
    mm = 72 / 25.4
    for _, x, y in chunks:
        assert 30 * mm - 0.5 <= x <= A4_W - 15 * mm
        assert 20 * mm - 0.5 <= y <= A4_H - 20 * mm


def test_receipt_signature_box_sits_between_title_and_name(receipt):
    box = receipt.signature_boxes["officer"]
    assert set(receipt.signature_boxes) == {"officer"}
    assert box.page == 0
    assert box.x2 - box.x1 >= 150 and box.y2 - box.y1 >= 50  # room for a stamp
    chunks = text_chunks(receipt.pdf)
    _, tx, ty = chunk_at(chunks, "NGƯỜI TIẾP NHẬN HỒ SƠ")
    _, nx, ny = chunk_at(chunks, "Trần Văn Hùng")
    assert ny < box.y1 < box.y2 < ty
    assert box.x1 <= nx <= box.x2 and box.x1 <= tx <= box.x2
    # nothing is printed inside the reserved rectangle
    assert not [c for c in chunks if box.x1 < c[1] < box.x2 and box.y1 < c[2] < box.y2]
    x1, y1, x2, y2 = box.box
    assert x1 < x2 and y1 < y2 and 0 <= x1 and x2 <= A4_W


def test_receipt_qr_code_encodes_lookup_url(receipt, tmp_path):
    """Rasterise the page and read every QR module back against the encoder's matrix."""
    from PIL import Image
    from reportlab.graphics.barcode import qrencoder

    exe = require_tool("pdftoppm")
    dpi = 300
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(receipt.pdf)
    subprocess.run([exe, "-r", str(dpi), "-gray", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = Image.open(tmp_path / "page.png").convert("L")

    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(samples.LOOKUP_URL)
    qr.make()
    n = qr.getModuleCount()
    box = receipt.qr_box
    assert box is not None and box.page == 0
    border = 2
    module = (box.x2 - box.x1) / (n + 2 * border)
    scale = dpi / 72

    def dark(row: int, col: int) -> bool:
        x = box.x1 + (col + border + 0.5) * module
        y = box.y2 - (row + border + 0.5) * module
        return image.getpixel((round(x * scale), round((A4_H - y) * scale))) < 128

    read = [[dark(r, c) for c in range(n)] for r in range(n)]
    expected = [[bool(v) for v in row] for row in qr.modules]
    assert read == expected
    # the quiet zone around it is blank
    assert not any(dark(-1, c) or dark(n, c) for c in range(-1, n + 1))


def test_receipt_without_proxy_has_applicant_sign(extract):
    applicant = replace(samples.APPLICANT, proxy_name=None)
    text = _text(extract, render_receipt(samples.receipt(applicant=applicant)))
    assert "ủy quyền" not in text
    assert "NGƯỜI NỘP HỒ SƠ" in text and text.count("Nguyễn Thị Hồng Nhung") == 2


def test_markup_characters_are_escaped(extract):
    name = 'Công ty TNHH <Xây dựng> & Thương mại "An Bình"'
    applicant = replace(samples.APPLICANT, full_name=name, proxy_name="A&B <b>bold</b>")
    form = render_receipt(samples.receipt(applicant=applicant, officer_name="Lò & <Páo>"))
    text = _text(extract, form)
    assert name in text
    assert "A&B <b>bold</b>" in text
    assert "Lò & <Páo>" in text
    refusal = render_refusal(samples.refusal(applicant=applicant, reasons=["x < y & z > w"]))
    assert "1. x < y & z > w" in _text(extract, refusal)


@pytest.mark.parametrize("field", ["received_at", "due_at"])
def test_naive_datetimes_are_rejected(field):
    with pytest.raises(ValueError, match="naive"):
        render_receipt(samples.receipt(**{field: datetime(2026, 11, 22, 9, 15)}))


@pytest.mark.parametrize(("day", "words"), [
    (date(2026, 2, 5), "Lai Châu, ngày 05 tháng 02 năm 2026"),
    (date(2026, 11, 5), "Lai Châu, ngày 05 tháng 11 năm 2026"),
    (date(2026, 3, 15), "Lai Châu, ngày 15 tháng 3 năm 2026"),
])
def test_place_and_date_line_follows_decree_30(day, words):
    header = Header(managing_body="UBND tỉnh Lai Châu", date=day)
    text = " ".join(EXTRACT_PYPDF(render_refusal(samples.refusal(header=header)).pdf))
    assert words in text
    assert "Số: ……" in text  # no number yet: blank to fill in


def EXTRACT_PYPDF(pdf: bytes) -> list[str]:  # noqa: N802 - tiny local alias
    from .conftest import pypdf_pages

    return pypdf_pages(pdf)


def test_2025_set_keeps_receipt_number():
    text = " ".join(EXTRACT_PYPDF(render_receipt(samples.receipt(), form_set="2025").pdf))
    assert "Mẫu số 01" in text


# ------------------------------------------------------------------------------------------
# 02 - 04


def test_supplement_request(extract):
    form = render_supplement_request(samples.supplement())
    text = _text(extract, form)
    _assert_common_header(text, "Mẫu số 02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    for expected in [
        "Mã hồ sơ: 000.00.12.H33-261122-0042",
        "Nguyễn Thị Hồng Nhung",
        "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:",
        "1. Bổ sung bản vẽ mặt bằng móng công trình tỷ lệ 1/100",
        "2. Văn bản thẩm duyệt thiết kế về phòng cháy và chữa cháy",
        "Lý do: Hồ sơ chưa đủ thành phần theo quy định tại Nghị định 175/2024/NĐ-CP",
        "liên hệ với bà Lò Thị Mai, Phòng Quản lý xây dựng, số điện thoại 0213 3876 543",
        "NGƯỜI HƯỚNG DẪN", "Trần Văn Hùng",
    ]:
        assert expected in text, expected
    assert set(form.signature_boxes) == {"officer"}
    _, _, name_y = chunk_at(text_chunks(form.pdf), "Trần Văn Hùng")
    assert form.signature_boxes["officer"].y1 > name_y


def test_refusal(extract):
    form = render_refusal(samples.refusal())
    text = _text(extract, form)
    _assert_common_header(text, "Mẫu số 03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    for expected in [
        "Mã hồ sơ: 000.00.12.H33-261122-0042",
        "Ông/Bà: Nguyễn Thị Hồng Nhung",
        "012345678901",
        "từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        "1. Công trình không thuộc thẩm quyền cấp phép của Sở Xây dựng",
        "2. Địa điểm xây dựng nằm trong hành lang bảo vệ công trình thủy lợi",
        "NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Văn Hùng",
    ]:
        assert expected in text, expected
    assert set(form.signature_boxes) == {"officer"}


def test_apology(extract):
    form = render_apology(samples.apology())
    text = _text(extract, form)
    _assert_common_header(text, "Mẫu số 04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả")
    for expected in [
        "SỞ XÂY DỰNG",
        "Kính gửi: Bà Nguyễn Thị Hồng Nhung",
        "Ngày 22 tháng 11 năm 2026, Sở Xây dựng tỉnh Lai Châu tiếp nhận giải quyết hồ sơ",
        "Mã hồ sơ: 000.00.12.H33-261122-0042",
        "16 giờ 59 phút, ngày 21/12/2026",
        "Lý do: Cần lấy ý kiến thẩm định của Sở Nông nghiệp và Môi trường",
        "xin lỗi Ông/Bà",
        "10 giờ 00 phút, ngày 05/01/2027",
        "GIÁM ĐỐC", "Phạm Quốc Khánh",
    ]:
        assert expected in text, expected
    assert set(form.signature_boxes) == {"head"}
    chunks = text_chunks(form.pdf)
    box = form.signature_boxes["head"]
    assert chunk_at(chunks, "Phạm Quốc Khánh")[2] < box.y1 < box.y2 < chunk_at(
        chunks, "GIÁM ĐỐC")[2]


# ------------------------------------------------------------------------------------------
# 05 (2025) stop notice


def test_stop_notice_is_form_05_of_2025(extract):
    form = render_stop_notice(samples.stop_notice(), form_set="2025")
    text = _text(extract, form)
    _assert_common_header(text, "Mẫu số 05", "Thông báo dừng giải quyết hồ sơ")
    for expected in [
        "Mã hồ sơ: 000.00.12.H33-261122-0042",
        "Nguyễn Thị Hồng Nhung",
        "Cấp Giấy phép xây dựng",
        "thông báo dừng giải quyết hồ sơ nêu trên",
        "Lý do: Tổ chức, cá nhân có văn bản đề nghị rút hồ sơ ngày 30/11/2026",
        "GIÁM ĐỐC", "Phạm Quốc Khánh",
    ]:
        assert expected in text, expected
    assert set(form.signature_boxes) == {"head"}


def test_2018_set_has_no_stop_notice():
    with pytest.raises(ValueError, match="2025"):
        render_stop_notice(samples.stop_notice(), form_set="2018")


# ------------------------------------------------------------------------------------------
# control sheet


def test_control_sheet(extract):
    form = render_control_sheet(samples.control_sheet())
    text = _text(extract, form)
    _assert_common_header(text, "Mẫu số 05", "Phiếu kiểm soát quá trình giải quyết hồ sơ")
    for expected in [
        "Mã hồ sơ: 000.00.12.H33-261122-0042",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Sở Xây dựng tỉnh Lai Châu",
        "Sở Nông nghiệp và Môi trường; Công an tỉnh Lai Châu",
        "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 22/11/2026",
        "16 giờ 59 phút, ngày 21/12/2026",
        "Giao: Bộ phận Tiếp nhận và Trả kết quả",
        "Nhận: Phòng Quản lý xây dựng",
        "Trước hạn", "Đúng hạn", "Quá hạn",
        "09 giờ 05 phút,", "ngày 23/12/2026",  # 02:05 UTC (one cell, two lines)
        "Chậm 2 ngày",
    ]:
        assert expected in text, expected
    assert form.signature_boxes == {}


def test_control_sheet_2025_number_and_bad_result():
    text = " ".join(EXTRACT_PYPDF(render_control_sheet(samples.control_sheet(),
                                                      form_set="2025").pdf))
    assert "Mẫu số 06" in text and "Mẫu số 05" not in text
    bad = samples.control_sheet(handovers=[
        HandoverRow("A", "B", datetime(2026, 11, 22, 9, 0, tzinfo=samples.VN), "soon")
    ])
    with pytest.raises(ValueError, match="soon"):
        render_control_sheet(bad)
    text = " ".join(EXTRACT_PYPDF(render_control_sheet(samples.control_sheet(
        handovers=[HandoverRow("A", "B", datetime(2026, 11, 22, 9, 0, tzinfo=samples.VN))]
    )).pdf))
    assert "Trước hạn" not in squash(text.replace("(Trước hạn/Đúng hạn/Quá hạn)", ""))


def test_documents_package_imports_neither_flask_nor_other_portal_modules():
    """Static check: portal/documents depends on reportlab/openpyxl/signatures only."""
    import ast
    from pathlib import Path

    import portal.documents

    package = Path(portal.documents.__file__).parent
    offenders = []
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
                if node.level > 1:
                    offenders.append((source.name, "." * node.level + (node.module or "")))
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in {"flask", "flask_sqlalchemy", "sqlalchemy", "workflow"} or (
                    top == "portal" and not name.startswith("portal.documents")
                ):
                    offenders.append((source.name, name))
    assert offenders == []
