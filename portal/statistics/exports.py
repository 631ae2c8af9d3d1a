"""CSV and XLSX exports of a statistics table: the same rows and figures as the page and the API."""

from __future__ import annotations

import csv
import io

from portal.labels import FIGURE_LABELS, GROUP_LABELS, RATE_LABELS
from portal.statistics.formulas import format_int
from portal.statistics.queries import FIGURES, RATES, StatTable


def header(table: StatTable) -> list[str]:
    cells = [str(GROUP_LABELS[table.group_by])]
    cells += [str(FIGURE_LABELS[f]) for f in FIGURES]
    for rate in RATES:
        name = str(RATE_LABELS[rate])
        cells += [f"{name} - tử số", f"{name} - mẫu số", f"{name} (%)", name]
    return cells


def rows(table: StatTable) -> list[list]:
    """One list per row (then the total): label, counts, and for each rate its numerator,
    denominator, rounded percentage (a number, empty without data) and the text "766/5.211 đạt 14,7%"."""
    result = []
    for row in [*table.rows, table.total]:
        cells: list = [row.label] + [row.counts[f] for f in FIGURES]
        for rate in RATES:
            ratio = row.ratio(rate)
            cells += [ratio.numerator, ratio.denominator,
                      float(ratio.percent) if ratio.percent is not None else "", ratio.text()]
        result.append(cells)
    return result


def title_lines(table: StatTable, scope_text: str) -> list[str]:
    return [
        "Báo cáo tình hình tiếp nhận, giải quyết hồ sơ thủ tục hành chính",
        f"Kỳ báo cáo: {table.period.label()} (từ 00:00 ngày {table.period.start:%d/%m/%Y} "
        f"đến hết ngày {table.period.last_day:%d/%m/%Y}, giờ Việt Nam)",
        f"Phạm vi: {scope_text}",
    ]


def to_csv(table: StatTable, scope_text: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in title_lines(table, scope_text):
        writer.writerow([line])
    writer.writerow([])
    writer.writerow(header(table))
    writer.writerows(rows(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: StatTable, scope_text: str) -> bytes:
    from openpyxl import Workbook  # imported here: about 100 ms that start-up does not need
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Thống kê"
    for line in title_lines(table, scope_text):
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(header(table))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for cells in rows(table):
        sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=5, column=2)
    sheet.column_dimensions["A"].width = 45
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary_line(table: StatTable) -> str:
    """The seed's sentence: "tỷ lệ hồ sơ xử lý trực tuyến mức độ 3 là 766/5.211 đạt 14,7%, ..."."""
    total = table.total
    return (f"Kỳ {table.period.label()}: tiếp nhận {format_int(total['received'])} hồ sơ; "
            f"tỷ lệ hồ sơ xử lý trực tuyến mức độ 3 là {total.ratio('online_rate_level3').text()}, "
            f"tỷ lệ hồ sơ xử lý trực tuyến mức độ 4 là {total.ratio('online_rate_level4').text()}; "
            f"tỷ lệ giải quyết đúng hạn {total.ratio('on_time_rate').text()}.")


# ---------------------------------------------------------------------------------------------
# The periodic report in the layout of the form the province sends upwards.
#
# Layout: "Tình hình, kết quả giải quyết thủ tục hành chính tại cơ quan, đơn vị trực tiếp giải
# quyết thủ tục hành chính", Biểu mẫu 06a/VPCP/KSTT of the Văn phòng Chính phủ's reporting rules
# (Thông tư 02/2017/TT-VPCP, continued by Thông tư 01/2020/TT-VPCP). The form itself is not at
# hand: the columns below follow its known structure (check against the official form before
# sending). One row per field (lĩnh vực) and a total; the columns are numbered as in the form
# with their identities: (3) = (4) + (5) + (6), (7) = (8) + (9) + (10), (11) = (12) + (13).

REPORT_FORM = "Biểu mẫu 06a/VPCP/KSTT"
REPORT_TITLE = ("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT "
                "THỦ TỤC HÀNH CHÍNH")
#: (column number, header, value of a row's counts)
REPORT_COLUMNS = (
    (3, "Tổng số hồ sơ nhận giải quyết", lambda c: c["carried_over"] + c["received"]),
    (4, "Số kỳ trước chuyển qua", lambda c: c["carried_over"]),
    (5, "Số mới tiếp nhận trực tuyến", lambda c: c["received_online"]),
    (6, "Số mới tiếp nhận trực tiếp, qua dịch vụ bưu chính", lambda c: c["received_in_person"] + c["received_post"]),
    (7, "Số hồ sơ đã giải quyết: tổng số", lambda c: c["processed"]),
    (8, "Trả trước hạn", lambda c: c["early"]),
    (9, "Trả đúng thời hạn", lambda c: c["on_time"]),
    (10, "Trả quá hạn", lambda c: c["late"]),
    (11, "Số hồ sơ đang giải quyết: tổng số", lambda c: c["in_process"]),
    (12, "Chưa đến hạn", lambda c: c["not_yet_due"]),
    (13, "Quá hạn", lambda c: c["overdue"]),
)


def report_rows(table: StatTable) -> list[dict]:
    """The report's figures: one entry per row of ``table`` (by field) and the total, each with
    its columns by number; the same numbers the spreadsheet and the national message carry."""
    found = []
    for index, row in enumerate([*table.rows, table.total], start=1):
        found.append({"stt": index if row.key is not None else None, "code": row.code, "name": row.label,
                      "columns": {number: value(row.counts) for number, _, value in REPORT_COLUMNS},
                      "stopped": row.counts["stopped"], "withdrawn": row.counts["withdrawn"]})
    return found


def periodic_report_xlsx(table: StatTable, scope_text: str, reporter: str) -> bytes:
    """The periodic report of ``table`` (grouped by field) in the layout of ``REPORT_FORM``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "06a"
    last = 2 + len(REPORT_COLUMNS)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def line(row: int, text: str, bold: bool = False, merge: bool = True):
        sheet.cell(row=row, column=1, value=text).font = Font(bold=bold)
        if merge:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center", wrap_text=True)

    line(1, REPORT_FORM, bold=True)
    line(2, REPORT_TITLE, bold=True)
    line(3, f"Kỳ báo cáo: {table.period.label()} (từ ngày {table.period.start:%d/%m/%Y} đến ngày "
            f"{table.period.last_day:%d/%m/%Y})")
    line(4, f"Đơn vị báo cáo: {reporter}. Phạm vi: {scope_text}. Đơn vị tính: hồ sơ.")
    # Header: two rows of titles, then the row of column numbers (1) ... (13).
    top, sub, numbers = 6, 7, 8
    sheet.cell(row=top, column=1, value="STT")
    sheet.cell(row=top, column=2, value="Lĩnh vực, công việc giải quyết")
    sheet.merge_cells(start_row=top, start_column=1, end_row=sub, end_column=1)
    sheet.merge_cells(start_row=top, start_column=2, end_row=sub, end_column=2)
    groups = (("Số hồ sơ nhận giải quyết", 3, 6), ("Kết quả giải quyết: số hồ sơ đã giải quyết", 7, 10),
              ("Số hồ sơ đang giải quyết", 11, 13))
    for title, first, end in groups:
        sheet.cell(row=top, column=first, value=title)
        sheet.merge_cells(start_row=top, start_column=first, end_row=top, end_column=end)
    for number, header_text, _value in REPORT_COLUMNS:
        sheet.cell(row=sub, column=number, value=header_text)
    for number in range(1, last + 1):
        sheet.cell(row=numbers, column=number, value=f"({number})")
    for row in range(top, numbers + 1):
        for column in range(1, last + 1):
            cell = sheet.cell(row=row, column=column)
            cell.font, cell.alignment, cell.border = Font(bold=row != numbers, italic=row == numbers), centred, box
    at = numbers
    for entry in report_rows(table):
        at += 1
        total = entry["stt"] is None
        sheet.cell(row=at, column=1, value=entry["stt"])
        sheet.cell(row=at, column=2, value="Tổng cộng" if total else entry["name"])
        for number, value in entry["columns"].items():
            sheet.cell(row=at, column=number, value=value)
        for column in range(1, last + 1):
            cell = sheet.cell(row=at, column=column)
            cell.border, cell.font = box, Font(bold=total)
    total = table.total.counts
    line(at + 2, f"Ghi chú: ngoài các cột trên, {format_int(total['stopped'])} hồ sơ dừng xử lý và "
                 f"{format_int(total['withdrawn'])} hồ sơ rút trong kỳ ((3) = (7) + (11) + dừng xử lý + rút hồ sơ).",
         merge=True)
    sheet.column_dimensions["B"].width = 48
    for number in range(3, last + 1):
        sheet.column_dimensions[get_column_letter(number)].width = 14
    sheet.freeze_panes = sheet.cell(row=numbers + 1, column=3)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_payload(table: StatTable, scope_code: str | None) -> dict:
    """The same figures as a message for the national portal (``type: periodic_report``)."""
    return {
        "type": "periodic_report", "form": REPORT_FORM, "period": {
            "kind": table.period.kind, "basis": table.period.basis, "from": table.period.start.isoformat(),
            "to": table.period.last_day.isoformat(), "label": table.period.label()},
        "agency": scope_code,
        "rows": [{"field": e["code"], "name": e["name"], "columns": {str(k): v for k, v in e["columns"].items()},
                  "stopped": e["stopped"], "withdrawn": e["withdrawn"]} for e in report_rows(table)],
    }
