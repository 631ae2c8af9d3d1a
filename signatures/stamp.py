"""The visible signature stamp: its Vietnamese text, drawn by reportlab with the bundled
Liberation Serif and used as the appearance of the signature field.

The stamp is drawn as a one-page PDF and imported into the appearance as a form XObject:
reportlab writes glyph widths in the PDF's 1/1000 em units, so the text is not stretched
(see docs/signatures.md).
"""

from __future__ import annotations

import binascii
import datetime as _dt
import threading
import uuid
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import content as ph_content
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp.static import StaticStampStyle

__all__ = [
    "STAMP_SIZE",
    "VN_TZ",
    "StampText",
    "format_vn_time",
    "render_stamp_pdf",
    "stamp_style",
]

FONT_DIR = Path(__file__).with_name("fonts")

try:
    from zoneinfo import ZoneInfo

    VN_TZ: _dt.tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # pragma: no cover - no tz database: Vietnam has no DST
    VN_TZ = _dt.timezone(_dt.timedelta(hours=7), "+07")


def format_vn_time(when: _dt.datetime | None = None) -> str:
    """``dd/mm/yyyy HH:MM`` in Asia/Ho_Chi_Minh (+07:00)."""
    when = when or _dt.datetime.now(_dt.UTC)
    if when.tzinfo is None:
        raise ValueError("Use an aware datetime.")
    return when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


STAMP_SIZE = (230.0, 78.0)
_font_lock = threading.Lock()
_FONT_REGULAR = "SigLiberationSerif"
_FONT_BOLD = "SigLiberationSerif-Bold"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        registered = pdfmetrics.getRegisteredFontNames()
        if _FONT_REGULAR not in registered:
            pdfmetrics.registerFont(
                TTFont(_FONT_REGULAR, str(FONT_DIR / "LiberationSerif-Regular.ttf"))
            )
        if _FONT_BOLD not in registered:
            pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(FONT_DIR / "LiberationSerif-Bold.ttf")))


@dataclass(frozen=True)
class StampText:
    """Text of a visible signature stamp.

    ``box`` is (x1, y1, x2, y2) in PDF points on page ``page`` (negative = from the end);
    by default the stamp goes to the bottom right, shifted left for each earlier signature.
    """

    signer_name: str
    position: str = ""
    organization: str = ""
    signed_at: _dt.datetime | None = None
    page: int = -1
    box: tuple[float, float, float, float] | None = None
    heading: str = "Ký số bởi:"

    def lines(self, now: _dt.datetime | None = None) -> list[tuple[str, bool]]:
        when = self.signed_at or now or _dt.datetime.now(_dt.UTC)
        out = [(self.heading, False), (self.signer_name, True)]
        if self.position:
            out.append((self.position, False))
        if self.organization:
            out.append((self.organization, False))
        out.append((f"Thời gian: {format_vn_time(when)} (+07:00)", False))
        return out


def render_stamp_pdf(stamp: StampText, width: float, height: float) -> bytes:
    """One-page PDF (width x height points) with the stamp, drawn by reportlab."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    _register_fonts()
    buf = BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    c.setTitle("stamp")
    red = (0.75, 0.05, 0.05)
    c.setStrokeColorRGB(*red)
    c.setLineWidth(1.2)
    c.roundRect(1, 1, width - 2, height - 2, 4, stroke=1, fill=0)
    lines = stamp.lines()
    pad = 6.0
    leading_factor = 1.18
    size = min(11.0, (height - 2 * pad) / (len(lines) * leading_factor))
    for text, bold in lines:
        font = _FONT_BOLD if bold else _FONT_REGULAR
        w = stringWidth(text, font, size)
        if w > width - 2 * pad:
            size = min(size, size * (width - 2 * pad) / w)
    c.setFillColorRGB(*red)
    block = size * leading_factor * (len(lines) - 1) + size
    y = height - (height - block) / 2 - size * 0.85  # vertically centred
    for text, bold in lines:
        c.setFont(_FONT_BOLD if bold else _FONT_REGULAR, size)
        c.drawString(pad, y, text)
        y -= size * leading_factor
    c.showPage()
    c.save()
    return buf.getvalue()


class _ImportedPdfBytes(ph_content.PdfContent):
    """Like pyHanko's ImportedPdfPage, from bytes in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        super().__init__()

    def render(self) -> bytes:
        w = self._ensure_writer
        xobj = w.import_page_as_xobject(PdfFileReader(BytesIO(self._data)), page_ix=0)
        name = "/Stamp" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def stamp_style(stamp: StampText, width: float, height: float) -> StaticStampStyle:
    """The appearance of a signature field of ``width`` x ``height`` points showing ``stamp``."""
    return StaticStampStyle(
        background=_ImportedPdfBytes(render_stamp_pdf(stamp, width, height)),
        border_width=0,
        background_opacity=1.0,
    )
