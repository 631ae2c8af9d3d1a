"""Renderers for the standard one-stop-shop forms (PDF bytes via reportlab).

Every renderer takes the plain data from :mod:`portal.documents.data` and a form set
("2018" = Thông tư 01/2018/TT-VPCP, "2025" = Thông tư 03/2025/TT-VPCP) and returns a
:class:`RenderedForm`: the PDF plus the rectangles reserved for digital-signature stamps.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from .common import (
    BLANK,
    PORTRAIT_WIDTH,
    QrFlowable,
    RenderedForm,
    SignatureBox,
    Signer,
    Styles,
    build_pdf,
    esc,
    esc_or_blank,
    fmt_date_words,
    fmt_time_full,
    form_number_line,
    grid_style,
    header_block,
    labelled,
    signature_table,
    title_block,
    to_vn,
    unit_phrase,
)
from .data import (
    ApologyData,
    ControlSheetData,
    ReceiptData,
    RefusalData,
    StopNoticeData,
    SupplementRequestData,
)
from .fonts import SERIF
from .formsets import (
    APOLOGY,
    CONTROL_SHEET,
    DEFAULT_FORM_SET,
    FORM_SETS,
    RECEIPT,
    REFUSAL,
    REGISTER,
    STOP_NOTICE,
    SUPPLEMENT_REQUEST,
    form_info,
)
from .proof import proof_block
from .register import register_xlsx, render_register

__all__ = [
    "FORM_SETS",
    "RenderedForm",
    "SignatureBox",
    "RESULT_LABELS",
    "render_receipt",
    "render_supplement_request",
    "render_refusal",
    "render_apology",
    "render_stop_notice",
    "render_control_sheet",
    "render_register",
    "register_xlsx",
    "REGISTER",
]

#: Printed on the control sheet, always in Vietnamese (pages read ``portal.labels``). Keyed by the
#: values of ``workflow.states.Timeliness``: this package imports nothing of the portal's.
RESULT_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}

RECEIPT_NOTE = (
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả được lập thành 02 liên; một liên giao cho "
    "cá nhân/tổ chức nộp hồ sơ; một liên lưu tại Bộ phận Tiếp nhận và Trả kết quả."
)


def _opening(st: Styles, form_set: str, form: str, header) -> tuple[list[Flowable], str]:
    number, title = form_info(form_set, form)
    story: list[Flowable] = [
        form_number_line(st, number),
        Spacer(1, 2 * mm),
        header_block(st, header, PORTRAIT_WIDTH),
        title_block(st, title),
    ]
    return story, title


def recipients_block(st: Styles, addressee: str, recipients: list[str]) -> Paragraph:
    """"Nơi nhận" (Nghị định 30/2020): the addressee, the others, "Lưu: VT"."""
    lines = ["<b><i>Nơi nhận:</i></b>", f"- {esc(addressee)};"]
    lines += [f"- {esc(r)};" for r in recipients if r]
    lines.append("- Lưu: VT.")
    return Paragraph("<br/>".join(lines), st.cell.clone("recipients", fontSize=11, leading=13))


def _applicant_lines(st: Styles, applicant, *, with_contact: bool = True,
                     full_proxy: bool = False) -> list[Flowable]:
    lines = [
        labelled(st, "Ông/Bà", applicant.full_name, bold_value=True),
        labelled(st, "Số định danh cá nhân/CCCD/Hộ chiếu", applicant.id_number),
        labelled(st, "Địa chỉ", applicant.address),
    ]
    if with_contact:
        lines.append(Paragraph(
            f"Số điện thoại: {esc_or_blank(applicant.phone)}"
            f"&nbsp;&nbsp;&nbsp;&nbsp;Email: {esc_or_blank(applicant.email)}",
            st.body,
        ))
    if applicant.proxy_name and full_proxy:
        # Thông tư 03/2025/TT-VPCP: the proxy's own details and the authorisation document.
        lines += [
            labelled(st, "Người được ủy quyền", applicant.proxy_name, bold_value=True),
            labelled(st, "Số định danh cá nhân/CCCD/Hộ chiếu", applicant.proxy_id_number),
            labelled(st, "Địa chỉ", applicant.proxy_address),
            Paragraph(
                f"Số điện thoại: {esc_or_blank(applicant.proxy_phone)}"
                f"&nbsp;&nbsp;&nbsp;&nbsp;Email: {esc_or_blank(applicant.proxy_email)}",
                st.body,
            ),
            labelled(st, "Văn bản ủy quyền", applicant.authorisation),
        ]
    elif applicant.proxy_name:
        lines.append(labelled(st, "Người được ủy quyền nộp hồ sơ", applicant.proxy_name))
    return lines


# --------------------------------------------------------------------------------------------
# 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả


def render_receipt(data: ReceiptData, form_set: str = DEFAULT_FORM_SET) -> RenderedForm:
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    story, title = _opening(st, form_set, RECEIPT, data.header)
    story.append(Paragraph(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>", st.center))
    story.append(Spacer(1, 2 * mm))

    qr_size = 28 * mm
    qr = QrFlowable(data.lookup_url, qr_size, boxes)
    qr.hAlign = "CENTER"
    intro = [
        Paragraph(f"{esc(unit_phrase(data.header.unit, data.header.phrase))} tiếp nhận hồ sơ của:", st.body),
        *_applicant_lines(st, data.applicant, full_proxy=form_set != "2018"),
    ]
    qr_col = 34 * mm
    top = Table(
        [[intro, [qr, Paragraph("Tra cứu hồ sơ", st.caption)]]],
        colWidths=[PORTRAIT_WIDTH - qr_col, qr_col],
    )
    top.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SERIF, 12),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    story.append(top)
    story.append(labelled(st, "Nội dung yêu cầu giải quyết", data.procedure_name))
    story.append(Paragraph("1. Thành phần hồ sơ nộp gồm:", st.body))

    rows: list[list] = [[
        Paragraph("STT", st.cell_head),
        Paragraph("Tên giấy tờ", st.cell_head),
        Paragraph("Bản chính/Bản sao", st.cell_head),
        Paragraph("Số lượng", st.cell_head),
    ]]
    for i, line in enumerate(data.documents, 1):
        rows.append([
            Paragraph(str(i), st.cell_center),
            Paragraph(esc(line.name), st.cell),
            Paragraph(esc(line.original), st.cell_center),
            Paragraph(f"{line.quantity:02d}", st.cell_center),
        ])
    if not data.documents:
        rows.append(["", Paragraph(BLANK, st.cell), "", ""])
    docs = Table(rows, colWidths=[12 * mm, PORTRAIT_WIDTH - 64 * mm, 32 * mm, 20 * mm],
                 repeatRows=1)
    docs.setStyle(grid_style())
    story += [docs, Spacer(1, 2 * mm)]

    story += [
        Paragraph(f"2. Số lượng hồ sơ: {data.sets:02d} (bộ)", st.body),
        Paragraph(
            f"3. Thời gian giải quyết hồ sơ theo quy định là: {data.processing_days} ngày làm việc",
            st.body,
        ),
        Paragraph(f"4. Thời gian nhận hồ sơ: {fmt_time_full(data.received_at)}", st.body),
        Paragraph(
            f"5. Thời gian trả kết quả giải quyết hồ sơ: {fmt_time_full(data.due_at)}", st.body
        ),
        labelled(st, "6. Đăng ký nhận kết quả tại", data.collect_at),
        Paragraph(
            f"Vào Sổ theo dõi hồ sơ, {'Quyển số' if form_set == '2018' else 'Quyển số (nếu có)'}: "
            f"{esc_or_blank(data.register_book)}, Số thứ tự: {esc_or_blank(data.register_entry)}",
            st.body,
        ),
    ]
    officer_hint = "Ký và ghi rõ họ tên" if form_set == "2018" else "Chữ ký số của người tiếp nhận"
    signatures = signature_table(
        st,
        [
            Signer("Người nộp hồ sơ", "Ký và ghi rõ họ tên",
                   data.applicant.proxy_name or data.applicant.full_name),
            Signer("Người tiếp nhận hồ sơ", officer_hint, data.officer_name, "officer"),
        ],
        PORTRAIT_WIDTH,
        boxes,
        space=24 * mm,
    )
    story.append(KeepTogether([
        signatures,
        Spacer(1, 3 * mm),
        Paragraph(f"<b>Ghi chú:</b> {esc(RECEIPT_NOTE)}", st.note),
    ]))
    story += proof_block(st, data.proof)
    pdf, pages = build_pdf(story, title=f"{title} - {data.dossier_code}")
    return RenderedForm(pdf, {"officer": boxes["officer"]}, boxes.get("qr"), pages)


# --------------------------------------------------------------------------------------------
# 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ


def render_supplement_request(data: SupplementRequestData,
                              form_set: str = DEFAULT_FORM_SET) -> RenderedForm:
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    story, title = _opening(st, form_set, SUPPLEMENT_REQUEST, data.header)
    story += [
        Paragraph(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>", st.center),
        Spacer(1, 3 * mm),
        Paragraph("Hồ sơ của:", st.body),
        *_applicant_lines(st, data.applicant),
        labelled(st, "Nội dung yêu cầu giải quyết", data.procedure_name),
        Paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", st.body),
    ]
    items = data.items or [""]
    story += [Paragraph(f"{i}. {esc_or_blank(item)}", st.indent) for i, item in enumerate(items, 1)]
    story += [
        labelled(st, "Lý do", data.reason),
        Paragraph(
            "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ với "
            f"{esc_or_blank(data.contact)}, số điện thoại {esc_or_blank(data.phone)} "
            "để được hướng dẫn.",
            st.body,
        ),
        signature_table(
            st,
            [None, Signer("Người hướng dẫn", "Ký và ghi rõ họ tên", data.officer_name,
                          "officer")],
            PORTRAIT_WIDTH, boxes,
        ),
    ]
    pdf, pages = build_pdf(story, title=f"{title} - {data.dossier_code}")
    return RenderedForm(pdf, {"officer": boxes["officer"]}, None, pages)


# --------------------------------------------------------------------------------------------
# 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ


def render_refusal(data: RefusalData, form_set: str = DEFAULT_FORM_SET) -> RenderedForm:
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    story, title = _opening(st, form_set, REFUSAL, data.header)
    unit = unit_phrase(data.header.unit, data.header.phrase)
    story += [
        Paragraph(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>", st.center),
        Spacer(1, 3 * mm),
        Paragraph(f"{esc(unit)} tiếp nhận hồ sơ của:", st.body),
        *_applicant_lines(st, data.applicant),
        labelled(st, "Nội dung yêu cầu giải quyết", data.procedure_name),
        Paragraph(
            f"Qua nghiên cứu, đối chiếu với các quy định hiện hành, {esc(unit)} từ chối tiếp "
            "nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
            st.body,
        ),
    ]
    reasons = data.reasons or [""]
    story += [
        Paragraph(f"{i}. {esc_or_blank(r)}", st.indent) for i, r in enumerate(reasons, 1)
    ]
    story += [
        Paragraph("Xin thông báo cho Ông/Bà được biết và thực hiện./.", st.body),
        signature_table(
            st,
            [None, Signer("Người tiếp nhận hồ sơ", "Ký và ghi rõ họ tên", data.officer_name,
                          "officer")],
            PORTRAIT_WIDTH, boxes,
        ),
    ]
    pdf, pages = build_pdf(story, title=f"{title} - {data.dossier_code}")
    return RenderedForm(pdf, {"officer": boxes["officer"]}, None, pages)


# --------------------------------------------------------------------------------------------
# 04 Phiếu xin lỗi và hẹn lại ngày trả kết quả


def render_apology(data: ApologyData, form_set: str = DEFAULT_FORM_SET) -> RenderedForm:
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    story, title = _opening(st, form_set, APOLOGY, data.header)
    agency = esc(unit_phrase(data.header.unit, data.agency_name))
    received = fmt_date_words(data.received_at)
    story += [
        Spacer(1, 2 * mm),
        Paragraph(f"Kính gửi: <b>{esc(data.addressee)}</b>", st.center),
        Spacer(1, 3 * mm),
        Paragraph(
            f"{received[0].upper()}{received[1:]}, {agency} tiếp nhận giải quyết hồ sơ đề nghị "
            f"{esc_or_blank(data.procedure_name)} của Ông/Bà.",
            st.body,
        ),
        Paragraph(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>", st.body),
        Paragraph(
            f"Thời hạn trả kết quả giải quyết hồ sơ theo quy định: "
            f"{fmt_time_full(data.original_due_at)}",
            st.body,
        ),
        Paragraph(
            f"Tuy nhiên đến nay, {agency} chưa trả kết quả giải quyết hồ sơ cho Ông/Bà. "
            f"Lý do: {esc_or_blank(data.reason)}",
            st.body,
        ),
    ]
    if form_set == "2018":
        story.append(Paragraph(
            f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {agency} xin lỗi Ông/Bà và sẽ trả kết "
            f"quả giải quyết hồ sơ cho Ông/Bà vào {fmt_time_full(data.new_due_at)}.",
            st.body,
        ))
    else:
        story.append(Paragraph(
            f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {agency} xin lỗi Ông/Bà và đề nghị gia "
            f"hạn thời gian giải quyết hồ sơ; kết quả giải quyết hồ sơ sẽ được trả cho Ông/Bà vào "
            f"{fmt_time_full(data.new_due_at)}.",
            st.body,
        ))
    story += [
        Paragraph("Xin trân trọng cảm ơn./.", st.body),
        signature_table(
            st,
            [None, Signer(data.signer_title, "Ký, ghi rõ họ tên và đóng dấu", data.signer_name,
                          "head")],
            PORTRAIT_WIDTH, boxes, space=30 * mm,
        ),
        recipients_block(st, f"Ông/Bà {data.addressee}", data.recipients),
    ]
    story += proof_block(st, data.proof)
    pdf, pages = build_pdf(story, title=f"{title} - {data.dossier_code}")
    return RenderedForm(pdf, {"head": boxes["head"]}, None, pages)


# --------------------------------------------------------------------------------------------
# 05 (2025) Thông báo dừng giải quyết hồ sơ


def render_stop_notice(data: StopNoticeData, form_set: str = "2025") -> RenderedForm:
    if STOP_NOTICE not in FORM_SETS.get(form_set, {}):
        raise ValueError(
            f"'Thông báo dừng giải quyết hồ sơ' is not a form of set {form_set!r} "
            "(introduced by Thông tư 03/2025/TT-VPCP, set '2025')"
        )
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    story, title = _opening(st, form_set, STOP_NOTICE, data.header)
    agency = esc(unit_phrase(data.header.unit, data.agency_name))
    when = f" {fmt_date_words(data.received_at)}" if data.received_at else ""
    story += [
        Spacer(1, 2 * mm),
        Paragraph(f"Kính gửi: <b>{esc(data.applicant.full_name)}</b>", st.center),
        Spacer(1, 3 * mm),
        Paragraph(
            f"{agency} đã tiếp nhận{when} hồ sơ đề nghị {esc_or_blank(data.procedure_name)} của:",
            st.body,
        ),
        *_applicant_lines(st, data.applicant),
        Paragraph(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>", st.body),
        Paragraph(
            f"Theo đề nghị rút hồ sơ của Ông/Bà, {agency} thông báo dừng giải quyết hồ sơ nêu trên."
            if data.withdrawn else f"{agency} thông báo dừng giải quyết hồ sơ nêu trên.",
            st.body,
        ),
        labelled(st, "Lý do", data.reason),
        Paragraph("Xin thông báo để Ông/Bà được biết./.", st.body),
        signature_table(
            st,
            [None, Signer(data.signer_title, "Ký, ghi rõ họ tên và đóng dấu", data.signer_name,
                          "head")],
            PORTRAIT_WIDTH, boxes, space=30 * mm,
        ),
        recipients_block(st, f"Ông/Bà {data.applicant.full_name}", data.recipients),
    ]
    pdf, pages = build_pdf(story, title=f"{title} - {data.dossier_code}")
    return RenderedForm(pdf, {"head": boxes["head"]}, None, pages)


# --------------------------------------------------------------------------------------------
# 05 (2018) / 06 (2025) Phiếu kiểm soát quá trình giải quyết hồ sơ


def _result_label(result: str | None) -> str:
    if result is None:
        return ""
    try:
        return RESULT_LABELS[result]
    except KeyError:
        raise ValueError(
            f"unknown hand-over result {result!r}; expected one of {sorted(RESULT_LABELS)}"
        ) from None


def render_control_sheet(data: ControlSheetData,
                         form_set: str = DEFAULT_FORM_SET) -> RenderedForm:
    st = Styles()
    story, title = _opening(st, form_set, CONTROL_SHEET, data.header)
    story += [
        Paragraph(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>", st.center),
        Spacer(1, 3 * mm),
    ]
    if data.applicant_name:
        story.append(labelled(st, "Hồ sơ của", data.applicant_name))
    story += [
        labelled(st, "Nội dung yêu cầu giải quyết", data.procedure_name),
        labelled(st, "Cơ quan (bộ phận) giải quyết hồ sơ", data.handling_agency),
        labelled(st, "Cơ quan phối hợp giải quyết hồ sơ",
                 "; ".join(data.coordinating_agencies) or "Không"),
        Paragraph(f"Thời gian nhận hồ sơ: {fmt_time_full(data.received_at)}", st.body),
        Paragraph(f"Thời gian trả kết quả giải quyết hồ sơ: {fmt_time_full(data.due_at)}",
                  st.body),
        Spacer(1, 2 * mm),
    ]
    head = [
        Paragraph("STT", st.cell_head),
        Paragraph("Tên cơ quan, bộ phận giao, nhận hồ sơ", st.cell_head),
        Paragraph("Thời gian giao, nhận hồ sơ", st.cell_head),
        Paragraph("Kết quả giải quyết hồ sơ (Trước hạn/Đúng hạn/Quá hạn)", st.cell_head),
        Paragraph("Ghi chú", st.cell_head),
    ]
    rows: list[list] = [head]
    for i, h in enumerate(data.handovers, 1):
        at = to_vn(h.at)
        rows.append([
            Paragraph(str(i), st.cell_center),
            Paragraph(f"Giao: {esc(h.giver)}<br/>Nhận: {esc(h.receiver)}", st.cell),
            Paragraph(f"{at:%H} giờ {at:%M} phút,<br/>ngày {at:%d/%m/%Y}", st.cell_center),
            Paragraph(esc(_result_label(h.result)), st.cell_center),
            Paragraph(esc(h.note), st.cell),
        ])
    w = PORTRAIT_WIDTH
    table = Table(rows, colWidths=[11 * mm, w - 11 * mm - 34 * mm - 34 * mm - 28 * mm,
                                   34 * mm, 34 * mm, 28 * mm], repeatRows=1)
    table.setStyle(grid_style())
    story.append(table)
    pdf, pages = build_pdf(story, title=f"{title} - {data.dossier_code}")
    return RenderedForm(pdf, {}, None, pages)
