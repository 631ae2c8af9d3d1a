"""The default result document ("Kết quả giải quyết thủ tục hành chính"), signed by the agency
leader and then sealed by the agency (see portal.operations.signing.sign_result).

Used when no officer uploaded a result draft. Pure: plain data in, PDF bytes out. All the visible
content, including both signature boxes, is laid out here, before the first signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from .common import (
    PORTRAIT_WIDTH,
    RenderedForm,
    SignatureBox,
    Signer,
    Styles,
    build_pdf,
    esc,
    esc_or_blank,
    fmt_time_full,
    header_block,
    labelled,
    signature_table,
    title_block,
)
from .data import Header

TITLE = "Kết quả giải quyết thủ tục hành chính"
DECISION_GRANTED = "Đồng ý giải quyết hồ sơ theo đề nghị của Ông/Bà."


@dataclass(frozen=True)
class ResultData:
    header: Header
    dossier_code: str
    procedure_name: str
    applicant_name: str
    applicant_id_number: str
    applicant_address: str
    received_at: datetime | None
    granted: bool
    reason: str  # refusal reason, or the note of the proposal (may be empty)
    agency_name: str
    signer_title: str
    signer_name: str


def render_result(data: ResultData) -> RenderedForm:
    """A one-page result with two signature boxes: ``seal`` (left) and ``head`` (right)."""
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    story = [
        header_block(st, data.header, PORTRAIT_WIDTH),
        title_block(st, TITLE),
        Spacer(1, 2 * mm),
        Paragraph(f"{esc(data.agency_name)} thông báo kết quả giải quyết hồ sơ như sau:", st.body),
        labelled(st, "Thủ tục hành chính", data.procedure_name, bold_value=True),
        labelled(st, "Mã hồ sơ", data.dossier_code, bold_value=True),
        labelled(st, "Người nộp hồ sơ", data.applicant_name, bold_value=True),
        labelled(st, "Số định danh cá nhân/CCCD/Hộ chiếu", data.applicant_id_number),
        labelled(st, "Địa chỉ", data.applicant_address),
    ]
    if data.received_at is not None:
        story.append(labelled(st, "Thời điểm tiếp nhận", fmt_time_full(data.received_at)))
    if data.granted:
        story.append(Paragraph(f"Kết quả: <b>{esc(DECISION_GRANTED)}</b>", st.body))
        if data.reason.strip():
            story.append(labelled(st, "Nội dung", data.reason))
    else:
        story.append(Paragraph("Kết quả: <b>Không đồng ý giải quyết hồ sơ.</b>", st.body))
        story.append(Paragraph(f"Lý do: {esc_or_blank(data.reason)}", st.body))
    story += [
        Paragraph(
            "Văn bản này được ký số bởi người có thẩm quyền và chữ ký số của cơ quan; có thể kiểm "
            "tra tính toàn vẹn và hiệu lực của chữ ký tại trang Kiểm tra chữ ký số của Cổng Dịch "
            "vụ công tỉnh Lai Châu.",
            st.note,
        ),
        signature_table(
            st,
            [
                Signer("Chữ ký số của cơ quan", "Dấu của cơ quan", data.agency_name, "seal"),
                Signer(data.signer_title, "Ký số", data.signer_name, "head"),
            ],
            PORTRAIT_WIDTH, boxes, space=30 * mm,
        ),
    ]
    pdf, pages = build_pdf(story, title=f"{TITLE} - {data.dossier_code}", subject=data.procedure_name)
    return RenderedForm(pdf, {"head": boxes["head"], "seal": boxes["seal"]}, None, pages)
