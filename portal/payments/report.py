"""The daily payment reconciliation as a table: the same lines on the page, in CSV and in XLSX."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from portal.labels import PAYMENT_STATUS_LABELS, RECONCILIATION_LABELS
from portal.operations.payments import Reconciliation
from portal.text import format_vnd
from workflow.calendar import VN_TZ


def header() -> list[str]:
    return [_("Kết quả đối soát"), _("Mã tham chiếu"), _("Mã hồ sơ"), _("Số tiền theo nền tảng"),
            _("Mã giao dịch theo nền tảng"), _("Thời điểm thanh toán theo nền tảng"), _("Số tiền theo hồ sơ"),
            _("Trạng thái theo hồ sơ"), _("Mã giao dịch theo hồ sơ"), _("Thời điểm ghi nhận")]


def rows(report: Reconciliation) -> list[list]:
    result = []
    for line in report.lines:
        result.append([
            str(RECONCILIATION_LABELS[line.kind]), line.reference, line.dossier_code or "",
            line.provider_amount if line.provider_amount is not None else "", line.provider_transaction or "",
            line.provider_paid_at or "", line.portal_amount if line.portal_amount is not None else "",
            str(PAYMENT_STATUS_LABELS[line.portal_status]) if line.portal_status else "",
            line.portal_transaction or "",
            line.portal_paid_at.astimezone(VN_TZ).isoformat(timespec="seconds") if line.portal_paid_at else "",
        ])
    return result


def title_lines(report: Reconciliation) -> list[str]:
    return [_("Đối soát thanh toán ngày %(day)s", day=f"{report.day:%d/%m/%Y}"),
            _("Tổng theo nền tảng: %(provider)s; tổng theo hồ sơ: %(portal)s; số chênh lệch: %(count)s",
              provider=format_vnd(report.provider_total), portal=format_vnd(report.portal_total),
              count=len(report.mismatches))]


def to_csv(report: Reconciliation) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in title_lines(report):
        writer.writerow([line])
    writer.writerow([])
    writer.writerow(header())
    writer.writerows(rows(report))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Reconciliation) -> bytes:
    from openpyxl import Workbook  # imported here: about 100 ms that start-up does not need
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.day:%Y-%m-%d}"
    for line in title_lines(report):
        sheet.append([line])
    sheet.append([])
    sheet.append(header())
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
