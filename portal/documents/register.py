"""Sổ theo dõi hồ sơ (register): landscape PDF table and XLSX export with the same columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from .common import (
    RenderedForm,
    Styles,
    build_pdf,
    esc,
    fmt_date,
    form_number_line,
    grid_style,
    header_block,
    title_block,
    to_vn,
)
from .data import RegisterData, RegisterRow
from .fonts import SERIF, SERIF_ITALIC
from .formsets import DEFAULT_FORM_SET, REGISTER, form_info

PAGE = landscape(A4)
MARGINS = (15 * mm, 15 * mm, 15 * mm, 20 * mm)  # top, right, bottom, left
TABLE_WIDTH = PAGE[0] - MARGINS[1] - MARGINS[3]
FRAME_HEIGHT = PAGE[1] - MARGINS[0] - MARGINS[2]
CELL_SIZE = 9
CELL_LEADING = 10.8
PAD_X, PAD_TOP, PAD_BOTTOM = 2.5, 2, 3


@dataclass(frozen=True)
class Column:
    label: str  # column heading (PDF and XLSX)
    width_mm: float  # PDF width
    xlsx_width: float  # Excel character width
    kind: str  # "int", "text", "when"
    get: Callable[[RegisterRow], object]


_DATE_GROUP = "Ngày, tháng, năm"

COLUMNS: list[Column] = [
    Column("STT", 8, 7, "int", lambda r: r.no),
    Column("Mã hồ sơ", 39, 26, "text", lambda r: r.dossier_code),
    Column("Tên thủ tục hành chính", 33, 48, "text", lambda r: r.procedure_name),
    Column("Tên cá nhân, tổ chức", 24, 28, "text", lambda r: r.applicant),
    Column("Địa chỉ, số điện thoại", 24, 36, "text", lambda r: r.address_phone),
    Column("Cơ quan chủ trì giải quyết", 22, 30, "text", lambda r: r.lead_agency),
    Column("Nhận hồ sơ", 15.5, 17, "when", lambda r: r.received_at),
    Column("Hẹn trả kết quả", 15.5, 17, "when", lambda r: r.due_at),
    Column("Chuyển hồ sơ đến cơ quan giải quyết", 15.5, 17, "when", lambda r: r.transferred_at),
    Column("Nhận kết quả từ cơ quan giải quyết", 15.5, 17, "when", lambda r: r.result_at),
    Column("Trả kết quả cho cá nhân, tổ chức", 15.5, 17, "when", lambda r: r.returned_at),
    Column("Hình thức trả kết quả", 15, 16, "text", lambda r: r.returned_how),
    Column("Ghi chú", 0, 24, "text", lambda r: r.note),  # width: the rest
]
_DATE_COLS = [i for i, c in enumerate(COLUMNS) if c.kind == "when"]


def _col_widths() -> list[float]:
    fixed = sum(c.width_mm for c in COLUMNS) * mm
    return [c.width_mm * mm if c.width_mm else TABLE_WIDTH - fixed for c in COLUMNS]


def _when_pdf(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        v = to_vn(value)
        return f"{v:%d/%m/%Y}\n{v:%H:%M}"
    return f"{value:%d/%m/%Y}"


class RegisterTable(Flowable):
    """A long table that splits itself page by page, repeating the heading rows.

    Row heights are measured once, so thousands of rows lay out in linear time
    (reportlab's Table re-measures all remaining rows at every page break).
    """

    def __init__(self, head: list[list], head_heights: list[float], body: list[list],
                 body_heights: list[float], col_widths: list[float], style):
        super().__init__()
        self.head, self.head_heights = head, head_heights
        self.body, self.body_heights = body, body_heights
        self.col_widths, self.style = col_widths, style
        self._head_h = sum(head_heights)
        self._table: Table | None = None

    def _make(self, start: int, stop: int) -> Table:
        t = Table(self.head + self.body[start:stop], colWidths=self.col_widths,
                  rowHeights=self.head_heights + self.body_heights[start:stop],
                  repeatRows=len(self.head))
        t.setStyle(self.style)
        return t

    def wrap(self, avail_width, avail_height):
        self.width = sum(self.col_widths)
        self.height = self._head_h + sum(self.body_heights)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        room = avail_height - self._head_h
        n, used = 0, 0.0
        for h in self.body_heights:
            if used + h > room:
                break
            used += h
            n += 1
        if n == 0:
            if self._head_h + self.body_heights[0] > FRAME_HEIGHT:
                # One row taller than a whole page: let reportlab split inside that row.
                t = Table(self.head + self.body[:1], colWidths=self.col_widths,
                          repeatRows=len(self.head), splitInRow=1)
                t.setStyle(self.style)
                parts = t.split(avail_width, avail_height)
                if parts and len(self.body) > 1:
                    parts.append(RegisterTable(self.head, self.head_heights, self.body[1:],
                                               self.body_heights[1:], self.col_widths,
                                               self.style))
                return parts
            return []
        if n == len(self.body):
            return [self._make(0, n)]
        rest = RegisterTable(self.head, self.head_heights, self.body[n:], self.body_heights[n:],
                             self.col_widths, self.style)
        return [self._make(0, n), rest]

    def draw(self):
        table = self._make(0, len(self.body))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


def _measure(row: list, widths: list[float]) -> float:
    tallest = CELL_LEADING
    for cell, w in zip(row, widths, strict=True):
        if isinstance(cell, Paragraph):
            h = cell.wrap(w - 2 * PAD_X, 10_000)[1]
        else:
            h = (str(cell).count("\n") + 1) * CELL_LEADING
        tallest = max(tallest, h)
    return tallest + PAD_TOP + PAD_BOTTOM


def _table(st: Styles, rows: list[RegisterRow]) -> RegisterTable:
    widths = _col_widths()
    cell = st.cell.clone("reg_cell", fontSize=CELL_SIZE, leading=CELL_LEADING)
    head_style = st.cell_head.clone("reg_head", fontSize=CELL_SIZE, leading=CELL_LEADING)

    first, second = [], []
    for i, c in enumerate(COLUMNS):
        if i in _DATE_COLS:
            first.append(Paragraph(_DATE_GROUP, head_style) if i == _DATE_COLS[0] else "")
            second.append(Paragraph(esc(c.label), head_style))
        else:
            first.append(Paragraph(esc(c.label), head_style))
            second.append("")
    numbers = [f"({i})" for i in range(1, len(COLUMNS) + 1)]
    head = [first, second, numbers]

    style = grid_style(header_rows=3, font_size=CELL_SIZE)
    style.add("LEFTPADDING", (0, 0), (-1, -1), PAD_X)
    style.add("RIGHTPADDING", (0, 0), (-1, -1), PAD_X)
    style.add("TOPPADDING", (0, 0), (-1, -1), PAD_TOP)
    style.add("BOTTOMPADDING", (0, 0), (-1, -1), PAD_BOTTOM)
    style.add("LEADING", (0, 0), (-1, -1), CELL_LEADING)
    style.add("SPAN", (_DATE_COLS[0], 0), (_DATE_COLS[-1], 0))
    for i in range(len(COLUMNS)):
        if i not in _DATE_COLS:
            style.add("SPAN", (i, 0), (i, 1))
    style.add("ALIGN", (0, 2), (-1, 2), "CENTER")
    style.add("FONT", (0, 2), (-1, 2), SERIF_ITALIC, CELL_SIZE - 1)
    style.add("ALIGN", (0, 3), (0, -1), "CENTER")
    for i in _DATE_COLS:
        style.add("ALIGN", (i, 3), (i, -1), "CENTER")

    probe = Table(head, colWidths=widths)
    probe.setStyle(style)
    probe.wrap(sum(widths), 10_000)
    head_heights = list(probe._rowHeights)

    body, heights = [], []
    for r in rows:
        line: list = []
        for c in COLUMNS:
            value = c.get(r)
            if c.kind == "int":
                line.append(str(value))
            elif c.kind == "when":
                line.append(_when_pdf(value))
            else:
                line.append(Paragraph(esc(value), cell) if value else "")
        body.append(line)
        heights.append(_measure(line, widths))
    return RegisterTable(head, head_heights, body, heights, widths, style)


def _footer(title: str):
    def hook(canv, doc):
        canv.saveState()
        canv.setFont(SERIF, 9)
        w, _h = doc.pagesize
        canv.drawString(MARGINS[3], 8 * mm, title)
        canv.drawRightString(w - MARGINS[1], 8 * mm, f"Trang {canv.getPageNumber()}")
        canv.restoreState()

    return hook


def render_register(data: RegisterData, form_set: str = DEFAULT_FORM_SET) -> RenderedForm:
    """Landscape A4 register; the table paginates with its heading repeated on every page."""
    number, title = form_info(form_set, REGISTER)
    st = Styles()
    period = f"Từ ngày {fmt_date(data.period_from)} đến ngày {fmt_date(data.period_to)}"
    story: list[Flowable] = [
        form_number_line(st, number),
        header_block(st, data.header, TABLE_WIDTH, left_share=0.4),
        title_block(st, title),
        Paragraph(f"Lĩnh vực: <b>{esc(data.field_name)}</b>", st.center),
        Paragraph(f"<i>{period}</i>", st.center),
        Spacer(1, 3 * mm),
        _table(st, data.rows),
    ]
    footer = f"{title} - Lĩnh vực: {data.field_name} - {period}"
    pdf, pages = build_pdf(story, title=f"{title} - {data.field_name}", pagesize=PAGE,
                           margins=MARGINS, on_page=_footer(footer))
    return RenderedForm(pdf, {}, None, pages)


# --------------------------------------------------------------------------------------------
# XLSX


def _excel_when(value: date | datetime | None):
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return to_vn(value).replace(tzinfo=None), "dd/mm/yyyy hh:mm"
    return value, "dd/mm/yyyy"


def register_xlsx(data: RegisterData) -> bytes:
    """The register as an Excel workbook: one heading row (bold, frozen), real Excel dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ theo dõi hồ sơ"
    wb.properties.title = f"Sổ theo dõi hồ sơ - {data.field_name}"
    wb.properties.subject = (
        f"{data.field_name}: {fmt_date(data.period_from)} - {fmt_date(data.period_to)}"
    )
    wb.properties.creator = "Hệ thống Một cửa điện tử"

    bold = Font(bold=True)
    wrap_center = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for j, c in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=j, value=c.label)
        cell.font = bold
        cell.alignment = wrap_center
        ws.column_dimensions[get_column_letter(j)].width = c.xlsx_width
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "A2"

    top_wrap = Alignment(wrap_text=True, vertical="top")
    for i, r in enumerate(data.rows, 2):
        for j, c in enumerate(COLUMNS, 1):
            value = c.get(r)
            cell = ws.cell(row=i, column=j)
            if c.kind == "when":
                cell.value, fmt = _excel_when(value)
                if fmt:
                    cell.number_format = fmt
            elif c.kind == "int":
                cell.value = value
            else:
                cell.value = "" if value is None else str(value)
                cell.data_type = "s"  # never a formula, even if the text starts with "="
                cell.alignment = top_wrap
    if data.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(data.rows) + 1}"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
