"""``flask catalogue import-national``: the national procedure database's export updates codes,
names, time limits and fees as new versions, reports every change, and changes nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Procedure
from portal.models.procedure import ProcedureVersion
from portal.operations import national_catalogue

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "csdl-tthc-mau.csv"


def procedure(code: str) -> Procedure:
    db.session.expire_all()
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def versions() -> int:
    return db.session.scalar(select(func.count()).select_from(ProcedureVersion))


def test_the_sample_export_changes_exactly_what_differs_and_a_second_run_nothing(app, runner):
    before_versions = versions()
    lc05_steps = sum(s["hours"] for s in procedure("LC-05").steps)
    first = runner.invoke(args=["catalogue", "import-national", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    assert "6 dòng, 5 khớp với danh mục, 5 thủ tục thay đổi" in first.output
    assert "dòng 9: 9.900099" in first.output and "không có trong danh mục" in first.output
    assert "LC-04:\n  fee: 135.000 đ -> 115.000 đ\n  national_code: (trống) -> 9.900004" in first.output
    assert "thời hạn “Trong ngày” không có số ngày" in first.output and "có nhiều mức, giữ nguyên" in first.output
    assert procedure("LC-30").national_code == "2.000286"
    assert procedure("LC-04").fee_amount == 115000 and procedure("LC-04").fee_text_vi == "115.000 đồng/lần"
    lc05 = procedure("LC-05")
    assert lc05.processing_days == 2 and lc05_steps == 24 and sum(s["hours"] for s in lc05.steps) == 16
    assert procedure("LC-16").national_code == "9.900016" and procedure("LC-16").processing_days == 1
    assert procedure("LC-12").fee_amount == 200000 and procedure("LC-12").national_code == "9.900012"
    assert versions() == before_versions + 5  # LC-30, LC-04, LC-16, LC-05, LC-12
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "procedure.changed",
                                                       AuditEntry.object_id == "LC-04"))
    assert entry.details["after"]["fee"]["amount"] == 115000 and "csdl-tthc-mau.csv" in entry.details["reason"]

    second = runner.invoke(args=["catalogue", "import-national", str(SAMPLE)])
    assert second.exit_code == 0 and "0 thủ tục thay đổi" in second.output
    assert versions() == before_versions + 5


def test_an_xlsx_export_reads_like_the_csv_and_a_dry_run_writes_nothing(app, runner, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Danh sách thủ tục"])
    sheet.append(["STT", "MÃ TTHC", "Tên TTHC", "Thời hạn giải quyết", "Phí, lệ phí"])
    sheet.append([1, "9.900004", "Đổi giấy phép lái xe", 5, 115000])
    path = tmp_path / "xuat.xlsx"
    book.save(path)
    before = versions()
    dry = runner.invoke(args=["catalogue", "import-national", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "1 thủ tục thay đổi (chạy thử" in dry.output
    assert versions() == before and procedure("LC-04").fee_amount == 135000
    done = runner.invoke(args=["catalogue", "import-national", str(path)])
    assert done.exit_code == 0 and procedure("LC-04").fee_amount == 115000


@pytest.mark.parametrize(("name", "content", "code"), [
    ("x.csv", "Tên;Mã\nA;B\n".encode(), "national_export_columns"),
    ("x.csv", "\xff\xfe".encode("latin-1"), "national_export_unreadable"),
    ("x.xlsx", b"PK\x03\x04 not a workbook", "national_export_unreadable"),
    ("x.pdf", b"%PDF-1.4", "national_export_type"),
])
def test_a_file_that_is_not_an_export_is_refused_clearly(app, name, content, code):
    with pytest.raises(national_catalogue.NationalExportError) as refused:
        national_catalogue.read_export(name, content)
    assert refused.value.code == code


@pytest.mark.parametrize(("text", "amount"), [
    ("Không", 0), ("Miễn lệ phí", 0), ("200.000 đồng", 200000), ("1,500,000 VNĐ", 1500000), ("", None),
    ("15.000 đồng trực tiếp; 7.000 đồng trực tuyến", None), ("Theo quy định", None),
])
def test_fees_read_from_the_export(text, amount):
    assert national_catalogue.parse_fee(text) == amount


def test_rescaled_steps_keep_the_total_and_order():
    steps = [{"key": "a", "hours": 4}, {"key": "b", "hours": 16}, {"key": "c", "hours": 4}]
    scaled = national_catalogue.rescaled_steps(steps, 16)
    assert [s["key"] for s in scaled] == ["a", "b", "c"] and sum(s["hours"] for s in scaled) == 16
    one_day = national_catalogue.rescaled_steps(steps, 8)
    assert all(s["hours"] >= 0.5 for s in one_day) and sum(s["hours"] for s in one_day) == 8
