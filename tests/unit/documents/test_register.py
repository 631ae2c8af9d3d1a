from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.documents import register_xlsx, render_register
from portal.documents.register import COLUMNS

from . import samples
from .conftest import pdftotext_pages, pypdf_pages

ROWS = 2500


@pytest.fixture(scope="module")
def big():
    data = samples.register(ROWS)
    return data, render_register(data)


def test_small_register_is_landscape_with_all_columns(extract):
    data = samples.register(5)
    form = render_register(data)
    page = PdfReader(BytesIO(form.pdf)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape A4
    assert float(page.mediabox.width) == pytest.approx(841.89, abs=0.5)
    text = " ".join(extract(form.pdf))
    for expected in [
        "Mẫu số 06", "SỔ THEO DÕI HỒ SƠ", "Lĩnh vực: Hoạt động xây dựng",
        "Từ ngày 01/11/2026 đến ngày 30/11/2026",
        "UBND TỈNH LAI CHÂU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Ngày, tháng, năm", "Cơ quan chủ trì giải quyết", "Hẹn trả kết quả", "Ghi chú",
        "Lò Văn Páo", "Giàng A Sử", "Sở Giao thông", "Bưu chính", "Trực tiếp",
        "Trả trước hạn",
        "07:47",  # row 1 received 07:30 + 17 min, Vietnam time (date on the line above)
    ]:
        assert expected in text, expected
    assert form.page_count == 1 and form.signature_boxes == {}


def test_2025_register_is_form_07():
    text = " ".join(pypdf_pages(render_register(samples.register(3), form_set="2025").pdf))
    assert "Mẫu số 07" in text and "Mẫu số 06" not in text


def test_thousands_of_rows_paginate_with_repeated_heading(big):
    data, form = big
    pages = pdftotext_pages(form.pdf)
    assert form.page_count == len(pages) > 1
    assert len(PdfReader(BytesIO(form.pdf)).pages) == form.page_count
    for number, text in enumerate(pages, 1):
        assert "Mã hồ sơ" in text and "Tên thủ tục hành chính" in text, number
        assert "Cơ quan chủ trì giải quyết" in text, number
        assert f"Trang {number}" in text
    assert "SỔ THEO DÕI HỒ SƠ" in pages[0]
    # every row is printed exactly once
    flat = re.sub(r"\s+", "", " ".join(pages))
    missing = [r.no for r in data.rows if flat.count(r.dossier_code) != 1]
    assert missing == []
    last = re.sub(r"\s+", "", pages[-1])
    assert data.rows[-1].dossier_code in last
    assert data.rows[0].dossier_code in re.sub(r"\s+", "", pages[0])


def test_big_register_pages_read_with_pypdf_too(big):
    data, form = big
    reader = PdfReader(BytesIO(form.pdf))
    for index in (1, len(reader.pages) - 1):
        text = " ".join(reader.pages[index].extract_text().split())
        assert "Mã hồ sơ" in text and "Ngày, tháng, năm" in text
    last = re.sub(r"\s+", "", reader.pages[-1].extract_text())
    assert data.rows[-1].dossier_code in last


def test_register_row_taller_than_a_page_is_split_not_lost():
    long_note = " ".join(f"gc{i:04d}" for i in range(1500))
    rows = [samples.register_row(1), replace(samples.register_row(2), note=long_note),
            samples.register_row(3)]
    form = render_register(samples.register(rows=rows))
    flat = re.sub(r"\s+", "", " ".join(pdftotext_pages(form.pdf)))
    assert form.page_count > 2
    assert [i for i in range(1500) if f"gc{i:04d}" not in flat] == []
    assert rows[2].dossier_code in flat


def test_register_naive_datetime_is_rejected():
    row = replace(samples.register_row(1), due_at=datetime(2026, 11, 21, 16, 0))
    with pytest.raises(ValueError, match="naive"):
        render_register(samples.register(rows=[row]))


# ------------------------------------------------------------------------------------------
# XLSX


def test_register_xlsx_has_same_columns_and_rows():
    data = samples.register(ROWS)
    wb = load_workbook(BytesIO(register_xlsx(data)))
    ws = wb.active
    heading = [c.value for c in ws[1]]
    assert heading == [c.label for c in COLUMNS]
    assert heading[:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width == pytest.approx(48)
    assert ws.max_row == ROWS + 1

    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [r.dossier_code for r in data.rows]
    assert [r[0] for r in rows] == list(range(1, ROWS + 1))

    first, source = rows[0], data.rows[0]
    assert first[2] == source.procedure_name
    assert first[3] == source.applicant
    # real Excel dates, in Vietnam local time
    assert isinstance(first[6], datetime)
    assert first[6] == datetime(2026, 11, 1, 7, 47)
    assert first[7] == datetime(2026, 11, 21, 7, 47)
    assert first[9] == datetime(2026, 11, 16)  # a date (result_at) stays a date
    assert ws.cell(row=2, column=7).number_format == "dd/mm/yyyy hh:mm"
    assert ws.cell(row=2, column=10).number_format == "dd/mm/yyyy"
    second = rows[1]
    assert second[9] is None and second[10] is None  # not yet returned
    assert first[11] == "Bưu chính"


def test_register_xlsx_text_is_never_a_formula():
    row = replace(samples.register_row(1), applicant='=HYPERLINK("http://x","bấm")',
                  note="+84 912 345 678")
    ws = load_workbook(BytesIO(register_xlsx(samples.register(rows=[row])))).active
    assert ws.cell(row=2, column=4).value == '=HYPERLINK("http://x","bấm")'
    assert ws.cell(row=2, column=4).data_type == "s"
    assert ws.cell(row=2, column=13).value == "+84 912 345 678"


def test_register_xlsx_empty_period():
    data = samples.register(0, period_from=date(2026, 1, 1), period_to=date(2026, 1, 31))
    ws = load_workbook(BytesIO(register_xlsx(data))).active
    assert ws.max_row == 1
    assert "Hoạt động xây dựng" in load_workbook(BytesIO(register_xlsx(data))).properties.title
    assert render_register(data).page_count == 1
