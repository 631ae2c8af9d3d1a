"""The signature fields of the PDF being signed: opening it for an incremental update, the
fields already there, the name and the place of the new one."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields as ph_fields
from pyhanko.sign.general import SigningError
from pyhanko.stamp.static import StaticStampStyle

from .stamp import STAMP_SIZE, StampText, stamp_style

__all__ = ["default_field_name", "existing_signature_fields", "field_spec", "open_writer"]


def open_writer(pdf_bytes: bytes) -> IncrementalPdfFileWriter:
    """``pdf_bytes`` opened for an incremental update; ``SigningError`` if not a PDF."""
    if not pdf_bytes or not pdf_bytes.lstrip()[:5].startswith(b"%PDF"):
        raise SigningError("Not a PDF document.")
    return IncrementalPdfFileWriter(BytesIO(pdf_bytes))


def existing_signature_fields(w: IncrementalPdfFileWriter) -> tuple[list[str], int]:
    """Names of all signature fields, and the number of (non-timestamp) signatures."""
    names, regular = [], 0
    for name, value, _ in ph_fields.enumerate_sig_fields(w.prev):
        names.append(name)
        if value is not None and value.get_object().get("/Type") != "/DocTimeStamp":
            regular += 1
    return names, regular


def default_field_name(existing: list[str], regular: int) -> str:
    """``ChuKy<n>``: the first free name after the ``regular`` signatures already there."""
    n = regular + 1
    while f"ChuKy{n}" in existing:
        n += 1
    return f"ChuKy{n}"


def _page_count_and_size(reader, page: int) -> tuple[int, float, float]:
    count = int(reader.root["/Pages"]["/Count"])
    ix = page if page >= 0 else count + page
    if not 0 <= ix < count:
        raise ValueError(f"Page {page} does not exist (the document has {count}).")
    page_obj = reader.find_page_for_modification(ix)[0].get_object()
    media = page_obj.get("/MediaBox")
    node = page_obj
    while media is None and "/Parent" in node:
        node = node["/Parent"].get_object()
        media = node.get("/MediaBox")
    x1, y1, x2, y2 = (float(v) for v in (media or (0, 0, 595, 842)))
    return ix, abs(x2 - x1), abs(y2 - y1)


def field_spec(
    w: IncrementalPdfFileWriter, field_name: str, stamp: StampText | None, n_existing: int
) -> tuple[ph_fields.SigFieldSpec, StaticStampStyle | None]:
    """The new signature field and, with a ``stamp``, its visible appearance: in
    ``stamp.box``, or at the bottom right of the page, left of the ``n_existing`` earlier
    signatures (one row after the other)."""
    if stamp is None:
        return ph_fields.SigFieldSpec(sig_field_name=field_name), None
    page_ix, pw, ph = _page_count_and_size(w.prev, stamp.page)
    if stamp.box is not None:
        left, bottom, right, top = (int(round(v)) for v in stamp.box)
        box = (left, bottom, right, top)
    else:
        sw, sh = STAMP_SIZE
        margin = 30.0
        per_row = max(1, int((pw - 2 * margin + 10) // (sw + 10)))
        row, col = divmod(n_existing, per_row)
        x2 = pw - margin - col * (sw + 10)
        y1 = margin + row * (sh + 10)
        box = (int(x2 - sw), int(y1), int(x2), int(y1 + sh))
    width, height = box[2] - box[0], box[3] - box[1]
    style = stamp_style(stamp, width, height)
    return ph_fields.SigFieldSpec(sig_field_name=field_name, on_page=page_ix, box=box), style
