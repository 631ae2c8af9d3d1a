"""Shared layout for the standard forms: styles, header, signature blocks, PDF building."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from .data import Header
from .fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, register_fonts

VN_TZ = timezone(timedelta(hours=7), "ICT")

# Nghị định 30/2020/NĐ-CP: A4, top/bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
PORTRAIT_WIDTH = A4[0] - MARGIN_LEFT - MARGIN_RIGHT

DEFAULT_UNIT = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
DEFAULT_UNIT_PHRASE = "Bộ phận Tiếp nhận và Trả kết quả"
BLANK = "……………"

# --------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class SignatureBox:
    """A rectangle in PDF user space (points, origin bottom-left) on page ``page`` (0-based).

    ``box`` is in the order pyHanko's ``SigFieldSpec(box=...)`` expects.
    """

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


@dataclass(frozen=True)
class RenderedForm:
    pdf: bytes
    signature_boxes: dict[str, SignatureBox] = field(default_factory=dict)
    # Where the lookup QR code was drawn (receipt only); handy for checks and overlays.
    qr_box: SignatureBox | None = None
    page_count: int = 1


# --------------------------------------------------------------------------------------------
# Text helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(value: object) -> str:
    """Escape user text for reportlab Paragraph markup; newlines become line breaks."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return escape(text).replace("\n", "<br/>")


def esc_or_blank(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return esc(text) if text else BLANK


def unit_phrase(unit: str, override: str | None = None) -> str:
    """The unit's name as used inside a sentence."""
    if override:
        return override
    if unit.strip().upper() == DEFAULT_UNIT:
        return DEFAULT_UNIT_PHRASE
    return unit


# --------------------------------------------------------------------------------------------
# Dates and times (always printed in Vietnam time)


def to_vn(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"naive datetime {dt.isoformat()} (timezone required)")
    return dt.astimezone(VN_TZ)


def fmt_time_full(dt: datetime) -> str:
    """'09 giờ 15 phút, ngày 22/11/2026'."""
    v = to_vn(dt)
    return f"{v:%H} giờ {v:%M} phút, ngày {v:%d/%m/%Y}"


def fmt_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = to_vn(value)
    return f"{value:%d/%m/%Y}"


def fmt_datetime_short(value: date | datetime | None) -> str:
    """'22/11/2026 09:15' for datetimes, '22/11/2026' for dates, '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        v = to_vn(value)
        return f"{v:%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"


def fmt_date_words(value: date | datetime) -> str:
    """'ngày 22 tháng 11 năm 2026' (Nghị định 30/2020: zero-pad day < 10 and month < 3)."""
    if isinstance(value, datetime):
        value = to_vn(value)
    day = f"{value.day:02d}"
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {day} tháng {month} năm {value.year}"


# --------------------------------------------------------------------------------------------
# Styles


class Styles:
    def __init__(self, size: float = 13):
        register_fonts()
        lead = size * 1.2
        self.body = ParagraphStyle(
            "body", fontName=SERIF, fontSize=size, leading=lead, alignment=TA_JUSTIFY,
            spaceAfter=1.5,
        )
        self.body_left = ParagraphStyle("body_left", parent=self.body, alignment=TA_LEFT)
        self.indent = ParagraphStyle("indent", parent=self.body, leftIndent=8 * mm)
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.right = ParagraphStyle("right", parent=self.body, alignment=TA_RIGHT)
        self.title = ParagraphStyle(
            "title", parent=self.center, fontName=SERIF_BOLD, fontSize=size + 1,
            leading=(size + 1) * 1.25, spaceBefore=10, spaceAfter=4,
        )
        self.head_left = ParagraphStyle(
            "head_left", fontName=SERIF, fontSize=12, leading=14.5, alignment=TA_CENTER,
        )
        self.head_right = ParagraphStyle(
            "head_right", parent=self.head_left, fontName=SERIF_BOLD,
        )
        self.motto = ParagraphStyle(
            "motto", parent=self.head_right, fontSize=13, leading=16,
        )
        self.head_subject = ParagraphStyle(
            "head_subject", parent=self.head_left, fontSize=12, leading=14,
        )
        self.head_date = ParagraphStyle(
            "head_date", parent=self.head_left, fontName=SERIF_ITALIC, fontSize=13, leading=16,
        )
        self.form_no = ParagraphStyle(
            "form_no", parent=self.head_left, fontName=SERIF_BOLD, alignment=TA_RIGHT,
        )
        self.sig_title = ParagraphStyle(
            "sig_title", parent=self.center, fontName=SERIF_BOLD, spaceAfter=0,
        )
        self.sig_hint = ParagraphStyle(
            "sig_hint", parent=self.center, fontName=SERIF_ITALIC, fontSize=size - 1,
            leading=(size - 1) * 1.2,
        )
        self.sig_name = ParagraphStyle("sig_name", parent=self.sig_title)
        self.note = ParagraphStyle(
            "note", parent=self.body, fontName=SERIF_ITALIC, fontSize=size - 1,
            leading=(size - 1) * 1.25,
        )
        self.cell = ParagraphStyle(
            "cell", fontName=SERIF, fontSize=size - 1, leading=(size - 1) * 1.2,
            alignment=TA_LEFT,
        )
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)
        self.cell_head = ParagraphStyle(
            "cell_head", parent=self.cell_center, fontName=SERIF_BOLD,
        )
        self.caption = ParagraphStyle(
            "caption", parent=self.center, fontName=SERIF_ITALIC, fontSize=10, leading=12,
        )


# --------------------------------------------------------------------------------------------
# Flowables


class BoxRecorder(Flowable):
    """Invisible placeholder that records where it was drawn (page + absolute rectangle)."""

    def __init__(self, width: float, height: float, key: str, sink: dict[str, SignatureBox]):
        super().__init__()
        self.width = width
        self.height = height
        self.key = key
        self.sink = sink

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        canv = self.canv
        x1, y1 = canv.absolutePosition(0, 0)
        x2, y2 = canv.absolutePosition(self.width, self.height)
        self.sink[self.key] = SignatureBox(
            page=canv.getPageNumber() - 1,
            x1=min(x1, x2), y1=min(y1, y2), x2=max(x1, x2), y2=max(y1, y2),
        )


class QrFlowable(BoxRecorder):
    """QR code drawn with reportlab's own encoder (no extra dependency)."""

    def __init__(self, value: str, size: float, sink: dict[str, SignatureBox],
                 key: str = "qr", level: str = "M", border: int = 2):
        super().__init__(size, size, key, sink)
        from reportlab.graphics.barcode.qr import QrCode

        self._qr = QrCode(value, width=size, height=size, qrLevel=level, qrBorder=border)

    def draw(self):
        super().draw()
        self._qr.canv = self.canv
        self._qr.draw()
        del self._qr.canv


def short_rule(width: float) -> HRFlowable:
    return HRFlowable(width=width, thickness=0.6, color="black", spaceBefore=4, spaceAfter=3,
                      hAlign="CENTER")


# --------------------------------------------------------------------------------------------
# Building blocks


def form_number_line(st: Styles, number: str) -> Paragraph:
    return Paragraph(esc(number), st.form_no)


def header_block(st: Styles, header: Header, width: float, *, left_share: float = 0.42) -> Table:
    """Agency / national title block, 'Số:' and the place-and-date line."""
    left_w = width * left_share
    right_w = width - left_w
    left = [
        Paragraph(esc(header.managing_body.upper()), st.head_left),
        Paragraph(f"<b>{esc(header.unit.upper())}</b>", st.head_left),
        short_rule(min(35 * mm, left_w * 0.5)),
    ]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st.head_right),
        Paragraph("<u>Độc lập - Tự do - Hạnh phúc</u>", st.motto),
    ]
    number = esc(header.number) if header.number else BLANK
    place_date = f"{esc(header.place)}, {fmt_date_words(header.date)}"
    number_cell: list[Flowable] = [Paragraph(f"{esc(header.number_label)}: {number}", st.head_left)]
    if header.subject:
        number_cell.append(Paragraph(esc(header.subject), st.head_subject))
    table = Table(
        [
            [left, right],
            [number_cell, Paragraph(place_date, st.head_date)],
        ],
        colWidths=[left_w, right_w],
        hAlign="CENTER",
    )
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SERIF, 12),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 1), (-1, 1), 4),
    ]))
    return table


def title_block(st: Styles, title: str) -> Paragraph:
    return Paragraph(esc(title.upper()), st.title)


def labelled(st: Styles, label: str, value: object, style: ParagraphStyle | None = None,
             bold_value: bool = False) -> Paragraph:
    shown = esc_or_blank(value)
    if bold_value and shown != BLANK:
        shown = f"<b>{shown}</b>"
    return Paragraph(f"{esc(label)}: {shown}", style or st.body)


@dataclass
class Signer:
    title: str
    hint: str
    name: str | None
    box_key: str | None = None


def signature_table(st: Styles, signers: Iterable[Signer | None], width: float,
                    sink: dict[str, SignatureBox], space: float = 26 * mm) -> Table:
    """Signature blocks side by side; ``None`` leaves an empty column (block on the right)."""
    signers = list(signers)
    col_w = width / len(signers)
    cells = []
    for signer in signers:
        if signer is None:
            cells.append("")
            continue
        parts: list[Flowable] = [
            Paragraph(esc(signer.title.upper()), st.sig_title),
            Paragraph(f"({esc(signer.hint)})", st.sig_hint),
        ]
        box_w = min(col_w - 6 * mm, 70 * mm)
        if signer.box_key:
            rec = BoxRecorder(box_w, space, signer.box_key, sink)
            rec.hAlign = "CENTER"
            parts.append(rec)
        else:
            parts.append(BoxRecorder(box_w, space, "_unused", {}))
        parts.append(Paragraph(esc(signer.name) if signer.name else "", st.sig_name))
        cells.append(parts)
    table = Table([cells], colWidths=[col_w] * len(signers), hAlign="CENTER")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SERIF, 12),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
    ]))
    table.keepWithNext = False
    return table


def grid_style(header_rows: int = 1, font_size: float = 12) -> TableStyle:
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("VALIGN", (0, header_rows), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("FONT", (0, 0), (-1, -1), SERIF, font_size),
    ])


# --------------------------------------------------------------------------------------------
# Document


PageHook = Callable[[object, object], None]


def _page_number_top(canv, doc) -> None:
    """Nghị định 30/2020: page numbers centred in the top margin, from the second page on."""
    if canv.getPageNumber() < 2:
        return
    canv.saveState()
    canv.setFont(SERIF, 13)
    w, h = doc.pagesize
    canv.drawCentredString(w / 2, h - 12 * mm, str(canv.getPageNumber()))
    canv.restoreState()


def build_pdf(story: list[Flowable], *, title: str, subject: str = "",
              pagesize=A4, margins: tuple[float, float, float, float] | None = None,
              on_page: PageHook | None = None) -> tuple[bytes, int]:
    """Lay out ``story``; return the PDF bytes and the page count.

    ``margins`` is (top, right, bottom, left).
    """
    register_fonts()
    top, right, bottom, left = margins or (MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT)
    buf = BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=pagesize, topMargin=top, bottomMargin=bottom, leftMargin=left,
        rightMargin=right, title=title, subject=subject, author="Hệ thống Một cửa điện tử",
        creator="portal.documents", lang="vi-VN", initialFontName=SERIF,
    )
    # No frame padding: the text block is exactly the page minus the margins.
    frame = Frame(left, bottom, doc.width, doc.height, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=on_page or _page_number_top)])
    doc.build(story)
    return buf.getvalue(), doc.page
