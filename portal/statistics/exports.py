"""CSV and XLSX exports of a statistics table: the same rows and figures as the page and the API."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

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
