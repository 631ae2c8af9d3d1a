"""The verification block of a provable appointment (receipt and apology): a short code and a QR
code of the public page that shows how the appointment was computed and recomputes it.

One flowable, added by ``render_receipt`` and ``render_apology`` when their data carries a
``ProofStamp``; nothing else in the forms depends on it.
"""

from __future__ import annotations

import segno
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from .common import PORTRAIT_WIDTH, Styles, esc
from .data import ProofStamp
from .fonts import SERIF


class SegnoQr(Flowable):
    """A QR code drawn as vector squares from segno's matrix (sharp at any print size)."""

    def __init__(self, value: str, size: float, border: int = 2):
        super().__init__()
        self.width = self.height = size
        self._matrix = segno.make(value, error="m", micro=False).matrix
        self._border = border

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        rows = len(self._matrix)
        cell = self.width / (rows + 2 * self._border)
        canv = self.canv
        canv.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(self._matrix):
            for c, dark in enumerate(row):
                if dark:
                    x = (c + self._border) * cell
                    y = self.height - (r + 1 + self._border) * cell
                    canv.rect(x, y, cell, cell, stroke=0, fill=1)


def proof_block(st: Styles, stamp: ProofStamp | None) -> list[Flowable]:
    """The code and QR code of the appointment's verification page (nothing without a stamp)."""
    if stamp is None:
        return []
    qr_size = 24 * mm
    text = [
        Paragraph(f"Mã kiểm tra ngày hẹn: <b>{esc(stamp.code)}</b>", st.body),
        Paragraph("Quét mã QR hoặc truy cập địa chỉ dưới đây để xem cách tính ngày hẹn (thời điểm tiếp nhận, "
                  "thời hạn, giờ làm việc, ngày nghỉ, thời gian tạm dừng) và tính lại theo lịch làm việc hiện hành:",
                  st.note),
        Paragraph(esc(stamp.url), st.note),
    ]
    table = Table([[SegnoQr(stamp.url, qr_size), text]], colWidths=[qr_size + 4 * mm, PORTRAIT_WIDTH - qr_size - 4 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SERIF, 11),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return [Spacer(1, 3 * mm), table]
