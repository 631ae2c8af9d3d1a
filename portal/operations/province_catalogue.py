"""The province's full catalogue of administrative procedures (``catalogue_entries``): every
procedure the province carries out, with its service level and whether it is eligible for full
online service. The denominator of the coverage targets (seed 004: 2,080 procedures; seed 000:
"70% dịch vụ công mức độ 3 ..."), which the portal's own online procedures are only a part of.

Read from the national procedure database's export (the file ``flask catalogue import-national``
reads) or any CSV/XLSX with these headers (case, accents and spacing do not matter; a few title
rows may come first):

| meaning | accepted headers | required |
|---|---|---|
| code | "Mã thủ tục", "Mã TTHC", "Mã thủ tục hành chính" | yes |
| name | "Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính" | yes |
| tier | "Cấp thực hiện" ("Cấp tỉnh"; "Cấp xã" and the former "Cấp huyện" -> commune; "Ngành dọc", "Công an" -> vertical) | no (province) |
| level | "Mức độ", "Mức độ DVC" (2/3/4; "Toàn trình" = 4, "Một phần" = 3, "Cung cấp thông tin" = 2) | no (the linked procedure's, else 2) |
| eligible for full online | "Đủ điều kiện toàn trình", "Đủ điều kiện trực tuyến toàn trình" ("Có", "x", "1") | no (level 4) |
| agency | "Cơ quan thực hiện" (an agency code or name) | no |
| field | "Lĩnh vực" | no |

An entry is linked to the portal's procedure with the same national code, catalogue code, or
(accents and case ignored) name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Procedure
from portal.operations.national_catalogue import (
    HEADER_ROWS,
    MAX_ROWS,
    NationalExportError,
    _csv_rows,
    _xlsx_rows,
    cell_text,
)
from portal.text import fold

COLUMNS = {
    "code": ("ma thu tuc", "ma tthc", "ma thu tuc hanh chinh"),
    "name_vi": ("ten thu tuc", "ten tthc", "ten thu tuc hanh chinh"),
    "tier": ("cap thuc hien",),
    "level": ("muc do", "muc do dvc", "muc do dich vu cong", "muc do dvctt"),
    "eligible": ("du dieu kien toan trinh", "du dieu kien truc tuyen toan trinh"),
    "agency": ("co quan thuc hien",),
    "field": ("linh vuc",),
}
REQUIRED = ("code", "name_vi")
YES = ("co", "x", "1", "dung", "yes", "true")


@dataclass(frozen=True)
class CatalogueRow:
    line: int
    code: str
    name_vi: str
    tier: str
    level: int | None
    eligible: bool | None
    agency: str
    field: str


def parse_tier(text: str) -> str:
    folded = fold(text)
    if "xa" in folded.split() or "huyen" in folded or "phuong" in folded:
        return "commune"
    if "nganh doc" in folded or "cong an" in folded:
        return "vertical"
    return "province"


def parse_level(text: str) -> int | None:
    folded = fold(text)
    for digit in ("4", "3", "2"):
        if folded.endswith(digit) or folded == digit:
            return int(digit)
    if "toan trinh" in folded:
        return 4
    if "mot phan" in folded:
        return 3
    if "thong tin" in folded:
        return 2
    return None


def read_catalogue(filename: str, data: bytes) -> list[CatalogueRow]:
    """The rows of a catalogue file; ``NationalExportError`` when it is not one."""
    table = _xlsx_rows(data) if (filename or "").lower().endswith(".xlsx") or data[:2] == b"PK" else _csv_rows(data)
    header_at, columns = _find_header(table)
    rows = []
    for line, cells in enumerate(table[header_at + 1:], start=header_at + 2):
        values = {key: cell_text(cells, index) for key, index in columns.items()}
        if not values["code"] or not values["name_vi"]:
            continue
        eligible = values.get("eligible", "")
        rows.append(CatalogueRow(line, values["code"][:64], " ".join(values["name_vi"].split())[:500],
                                 parse_tier(values.get("tier", "")), parse_level(values.get("level", "")),
                                 fold(eligible) in YES if eligible else None, values.get("agency", ""),
                                 values.get("field", "")[:255]))
        if len(rows) > MAX_ROWS:
            raise NationalExportError("national_export_too_long", limit=MAX_ROWS)
    return rows


def _find_header(table: list[list]) -> tuple[int, dict[str, int]]:
    for at, cells in enumerate(table[:HEADER_ROWS]):
        names = [fold(str(c or "")).strip(" :*") for c in cells]
        columns = {key: names.index(name) for key, accepted in COLUMNS.items() for name in accepted if name in names}
        if all(key in columns for key in REQUIRED):
            return at, columns
    raise NationalExportError("national_export_columns")


def linked_procedures() -> dict[str, Procedure]:
    """The portal's procedures by national code, catalogue code and folded name."""
    found = {}
    for procedure in db.session.scalars(select(Procedure)):
        found.setdefault(fold(procedure.name_vi), procedure)
        found[procedure.code] = procedure
        if procedure.national_code:
            found[procedure.national_code] = procedure
    return found


def agencies_by_name() -> dict[str, Agency]:
    found = {}
    for agency in db.session.scalars(select(Agency)):
        found[agency.code] = agency
        found[fold(agency.name_vi)] = agency
    return found
