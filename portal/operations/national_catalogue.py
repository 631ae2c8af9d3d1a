"""``flask catalogue import-national FILE``: the national procedure database's export updates the
province's catalogue.

The Cơ sở dữ liệu quốc gia về thủ tục hành chính (csdl.dichvucong.gov.vn) exports procedures as
XLSX or CSV. Each row that matches a procedure of the province's catalogue updates its national
code, Vietnamese name, time limit and fee, as a new version of the procedure
(``portal.operations.procedures.change_procedure``: the same rules as the administration page,
the same audit entry, the reason naming the file). Rows that match nothing are reported, never
created: a procedure enters the province's catalogue by a decision, with its documents and steps.
A second run of the same file changes nothing.

Columns are found by their header (case, accents and spacing do not matter; the header row may
follow a few title rows):

| meaning | accepted headers | required |
|---|---|---|
| national code | "Mã thủ tục", "Mã TTHC", "Mã thủ tục hành chính" | yes |
| name | "Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính" | yes |
| time limit (working days) | "Thời hạn giải quyết", "Thời gian giải quyết" | no |
| fee (VND) | "Phí, lệ phí", "Phí lệ phí", "Lệ phí", "Phí" | no |
| the province's own code | "Mã thủ tục của tỉnh", "Mã trên Cổng tỉnh", "Mã nội bộ" | no |

A row matches the procedure whose national code is the row's; else whose catalogue code is the
row's national code (codes that are already national); else whose catalogue code is the row's
province code; else whose name is the row's name (ignoring case and accents). A time limit is the
first whole number of its cell ("10 ngày làm việc" -> 10); a cell without one ("Trong ngày",
"Theo quy định") changes nothing and is reported. A fee is "Không"/"Miễn" (0) or one amount
("200.000 đồng" -> 200000); several amounts in one cell change nothing and are reported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure, User
from portal.operations import procedures
from portal.operations.catalogue import version_snapshot
from portal.operations.errors import DomainError
from portal.text import fold

COLUMNS = {
    "national_code": ("ma thu tuc", "ma tthc", "ma thu tuc hanh chinh"),
    "name_vi": ("ten thu tuc", "ten tthc", "ten thu tuc hanh chinh"),
    "processing_days": ("thoi han giai quyet", "thoi gian giai quyet"),
    "fee": ("phi, le phi", "phi le phi", "le phi", "phi"),
    "local_code": ("ma thu tuc cua tinh", "ma tren cong tinh", "ma noi bo"),
}
REQUIRED = ("national_code", "name_vi")
HEADER_ROWS = 10  # title lines an export may have above its header
MAX_ROWS = 20_000
NO_FEE = ("khong", "mien", "khong thu")
_NUMBER = re.compile(r"\d[\d.,\s]*")


class NationalExportError(DomainError):
    """The file cannot be read as an export of the national procedure database."""


@dataclass(frozen=True)
class ExportRow:
    line: int
    national_code: str
    name_vi: str
    days_text: str = ""
    fee_text: str = ""
    local_code: str = ""


@dataclass
class ImportReport:
    """What changed (procedure code -> {attribute: (before, after)}), and what was left."""

    changed: dict[str, dict[str, tuple]] = field(default_factory=dict)
    unmatched: list[ExportRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    matched: int = 0


# ---------------------------------------------------------------------------------------------
# Reading the file


def read_export(filename: str, data: bytes) -> list[ExportRow]:
    """The export's rows; ``NationalExportError`` for a file that is not an XLSX or CSV export
    with the required columns."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx" or data[:2] == b"PK":
        table = _xlsx_rows(data)
    elif suffix in (".csv", ".txt", ""):
        table = _csv_rows(data)
    else:
        raise NationalExportError("national_export_type", name=filename)
    header_at, columns = _find_header(table)
    rows = []
    for offset, cells in enumerate(table[header_at + 1:], start=header_at + 2):
        values = {key: cell_text(cells, index) for key, index in columns.items()}
        if not values["national_code"] and not values["name_vi"]:
            continue
        rows.append(ExportRow(offset, values["national_code"], " ".join(values["name_vi"].split()),
                              values.get("processing_days", ""), values.get("fee", ""),
                              values.get("local_code", "")))
        if len(rows) > MAX_ROWS:
            raise NationalExportError("national_export_too_long", limit=MAX_ROWS)
    return rows


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise NationalExportError("national_export_unreadable") from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(max_row=MAX_ROWS + HEADER_ROWS + 2, values_only=True)]
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NationalExportError("national_export_unreadable") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))[:MAX_ROWS + HEADER_ROWS + 2]


def _find_header(table: list[list]) -> tuple[int, dict[str, int]]:
    for at, cells in enumerate(table[:HEADER_ROWS]):
        names = [fold(str(c or "")).strip(" :*") for c in cells]
        columns = {}
        for key, accepted in COLUMNS.items():
            for index, name in enumerate(names):
                if name in accepted and index not in columns.values():
                    columns[key] = index
                    break
        if all(key in columns for key in REQUIRED):
            return at, columns
    raise NationalExportError("national_export_columns")


def cell_text(cells: list, index: int) -> str:
    """A spreadsheet or CSV cell as text (a whole float without its ".0"); "" when missing."""
    value = cells[index] if index < len(cells) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_days(text: str) -> int | None:
    match = re.search(r"\d+", text or "")
    return int(match.group()) if match else None


def parse_fee(text: str) -> int | None:
    folded = fold(text or "")
    if not folded:
        return None
    amounts = [int(re.sub(r"[.,\s]", "", m.group()).strip() or 0) for m in _NUMBER.finditer(folded)]
    amounts = [a for a in amounts if a > 0]
    if not amounts and folded.startswith(NO_FEE):
        return 0
    return amounts[0] if len(amounts) == 1 else None


# ---------------------------------------------------------------------------------------------
# Matching and changing


def import_export(rows: list[ExportRow], *, source: str, by: User | None = None) -> ImportReport:
    """Apply the rows to the matching procedures as new versions (nothing when nothing differs)."""
    report = ImportReport()
    catalogue = list(db.session.scalars(select(Procedure).order_by(Procedure.code)))
    seen: set[int] = set()
    for row in rows:
        procedure = _match(row, catalogue)
        if procedure is None:
            report.unmatched.append(row)
            continue
        if procedure.id in seen:
            report.notes.append(f"dòng {row.line}: {row.national_code} trùng thủ tục {procedure.code} của một dòng trước, bỏ qua")
            continue
        seen.add(procedure.id)
        report.matched += 1
        changes = _changes(procedure, row, report)
        if not changes:
            continue
        _apply(procedure, changes, source, by, report)
    return report


def _match(row: ExportRow, catalogue: list[Procedure]) -> Procedure | None:
    code, local, name = row.national_code, row.local_code, fold(row.name_vi)
    for test in (lambda p: code and p.national_code == code, lambda p: code and p.code == code,
                 lambda p: local and p.code == local, lambda p: name and fold(p.name_vi) == name):
        found = [p for p in catalogue if test(p)]
        if len(found) == 1:
            return found[0]
    return None


def _changes(procedure: Procedure, row: ExportRow, report: ImportReport) -> dict:
    snapshot = version_snapshot(procedure)
    changes: dict = {}
    if row.national_code and (snapshot.get("national_code") or None) != row.national_code:
        changes["national_code"] = row.national_code
    if row.name_vi and snapshot["name_vi"] != row.name_vi:
        changes["name_vi"] = row.name_vi
    if row.days_text:
        days = parse_days(row.days_text)
        if days is None:
            report.notes.append(f"dòng {row.line} ({procedure.code}): thời hạn “{row.days_text}” không có số ngày, giữ nguyên")
        elif days != snapshot["processing_days"]:
            changes["processing_days"] = days
            online = snapshot.get("online_processing_days")
            if online is not None and online > days:
                changes["online_processing_days"] = days
            changes["steps"] = rescaled_steps(snapshot["steps"], days * 8)
            report.notes.append(f"{procedure.code}: thời hạn {snapshot['processing_days']} -> {days} ngày làm việc; "
                                "thời gian các bước nội bộ được chia lại theo tỷ lệ, cần rà soát trên trang quản trị")
    if row.fee_text:
        amount = parse_fee(row.fee_text)
        if amount is None:
            report.notes.append(f"dòng {row.line} ({procedure.code}): phí, lệ phí “{row.fee_text}” có nhiều mức, giữ nguyên")
        elif amount != int(snapshot["fee"].get("amount") or 0):
            changes["fee"] = {**snapshot["fee"], "amount": amount, "text_vi": row.fee_text}
    return changes


def rescaled_steps(steps: list[dict], total_hours: float) -> list[dict]:
    """The internal steps with their hours scaled to ``total_hours`` (half hours, each at least
    half an hour; the rounding remainder goes to the longest step), keeping their order."""
    old_total = sum(step["hours"] for step in steps) or 1
    hours = [max(0.5, round(step["hours"] * total_hours / old_total * 2) / 2) for step in steps]
    longest = max(range(len(hours)), key=lambda i: hours[i])
    hours[longest] += total_hours - sum(hours)
    if hours[longest] <= 0:  # more steps than half hours: an even split
        hours = [total_hours / len(steps)] * len(steps)
    return [{**step, "hours": int(h) if float(h).is_integer() else h} for step, h in zip(steps, hours, strict=True)]


def _apply(procedure: Procedure, changes: dict, source: str, by: User | None, report: ImportReport) -> None:
    nested = db.session.begin_nested()
    try:
        saved = procedures.change_procedure(procedure, changes, f"Đồng bộ từ CSDL quốc gia về TTHC ({source})", by)
    except procedures.ProcedureError as error:
        nested.rollback()
        report.refused[procedure.code] = error.code + (
            ": " + "; ".join(str(p) for p in error.params.get("problems", [])) if error.params.get("problems") else "")
        return
    nested.commit()
    report.changed[procedure.code] = {key: (before, after) for key, (before, after) in saved.changes.items()}
