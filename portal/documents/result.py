"""The result document of a dossier (Nghị định 30/2020/NĐ-CP layout): the decision, licence,
certificate or other document the catalogue names as the procedure's result, or, when the request
is refused, the written reply stating the reasons. Signed by the agency's head and then sealed by
the agency (see portal.operations.signing.sign_result).

Pure: plain data in, PDF bytes out. All the visible content, including both signature boxes, is
laid out here, before the first signature. A draft (``ResultData.draft``) is the same document
marked "DỰ THẢO", without a number, and is never signed nor given to the applicant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from .common import (
    PORTRAIT_WIDTH,
    RenderedForm,
    SignatureBox,
    Signer,
    Styles,
    build_pdf,
    esc,
    esc_or_blank,
    fmt_date_words,
    header_block,
    short_rule,
    signature_table,
)
from .data import Applicant, Header
from .fonts import SERIF, SERIF_BOLD, SERIF_ITALIC

# Kinds of result document, and the abbreviation of each in the document's number ("05/QĐ-SYT").
DECISION, LICENCE, CERTIFICATE, DOCUMENT, REPLY = "decision", "licence", "certificate", "document", "reply"
KIND_SYMBOLS = {DECISION: "QĐ", LICENCE: "GP", CERTIFICATE: "GCN", DOCUMENT: "", REPLY: ""}
DRAFT_MARK = "DỰ THẢO"
REPLY_NAME = "Văn bản trả lời"
NOTICE_NAME = "Thông báo kết quả giải quyết thủ tục hành chính"

_PREFIXES = (
    ("quyết định", DECISION),
    ("giấy phép", LICENCE),
    ("giấy chứng nhận", CERTIFICATE),
    ("chứng chỉ", CERTIFICATE),
    ("giấy khai sinh", CERTIFICATE),
    ("phiếu lý lịch", CERTIFICATE),
    ("kết luận", DOCUMENT),
    ("báo cáo", DOCUMENT),
    ("văn bản", DOCUMENT),
    ("xác nhận", DOCUMENT),
    ("phiếu", DOCUMENT),
)
# Where the catalogue's text stops naming the document: an alternative ("hoặc văn bản từ chối"),
# an enclosure ("kèm bản vẽ"), an explanation in brackets or a second result after ";".
_CUT = re.compile(r"\s*(\(|;|\s(hoặc|và/hoặc)\s+(văn bản|thông báo)|\skèm\s|\s-\s)", re.IGNORECASE)


@dataclass(frozen=True)
class ResultDocument:
    kind: str  # DECISION, LICENCE, CERTIFICATE, DOCUMENT or REPLY
    name: str  # "Chứng chỉ hành nghề dược"

    @property
    def symbol(self) -> str:
        return KIND_SYMBOLS[self.kind]


def result_document(result_text: str, granted: bool = True) -> ResultDocument:
    """The document a procedure's result text names ("Chứng chỉ hành nghề dược (hoặc văn bản trả
    lời nêu rõ lý do không cấp)" -> certificate "Chứng chỉ hành nghề dược"). A refusal, and a result
    that is not a document ("Thông tin tạm trú được cập nhật ..."), is a written reply."""
    if not granted:
        return ResultDocument(REPLY, REPLY_NAME)
    text = " ".join((result_text or "").split())
    name = _CUT.split(text, maxsplit=1)[0].strip(" ,.;:")
    lowered = name.lower()
    for prefix, kind in _PREFIXES:
        if lowered.startswith(prefix):
            return ResultDocument(kind, name)
    return ResultDocument(REPLY, NOTICE_NAME)


def option_label(spec: dict, value: object) -> str:
    """A stored e-form value as printed: the option's label for a choice (never its key), a date
    as dd/mm/yyyy, an amount with thousands separators and "đồng"."""
    if value is None or value == "":
        return ""
    kind = spec.get("type")
    if kind == "select":
        for option in spec.get("options", []):
            if option.get("value") == value:
                return str(option.get("label_vi") or value)
        return str(value)
    if kind == "date":
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value))
        return f"{match[3]}/{match[2]}/{match[1]}" if match else str(value)
    if kind == "money":
        try:
            return f"{int(value):,}".replace(",", ".") + " đồng"
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, list):
        return ", ".join(option_label({**spec, "type": spec.get("type")}, v) for v in value)
    return str(value)


#: E-form fields that repeat the applicant's own details (printed once, in the applicant's lines).
APPLICANT_PREFILLS = ("full_name", "id_number", "address", "phone", "email")


def form_details(schema: list[dict], values: dict) -> list[tuple[str, str]]:
    """(label, value) of every filled e-form field, in the form's order, option labels printed,
    without the applicant's own name, ID, address, phone and e-mail."""
    lines = []
    for spec in schema or []:
        name = spec.get("name")
        if spec.get("prefill") in APPLICANT_PREFILLS or name in APPLICANT_PREFILLS:
            continue
        shown = option_label(spec, (values or {}).get(name))
        if shown:
            lines.append((str(spec.get("label_vi") or name), shown))
    return lines


@dataclass(frozen=True)
class ResultData:
    header: Header  # the deciding agency; ``number`` from its register, ``date`` the issue date
    document: ResultDocument
    dossier_code: str
    procedure_name: str
    applicant: Applicant
    received_at: datetime | None
    granted: bool
    reason: str  # the refusal's reasons, or the note of the proposal (may be empty)
    agency_name: str  # inside sentences: "Sở Y tế tỉnh Lai Châu"
    signer_title: str  # "Giám đốc"
    signer_name: str
    legal_basis: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    one_stop_unit: str | None = None  # where the result is handed over ("Nơi nhận")
    draft: bool = False


def _authority(data: ResultData) -> str:
    """The authority line of a decision: "GIÁM ĐỐC SỞ Y TẾ TỈNH LAI CHÂU"."""
    title = data.signer_title.strip()
    if title.lower().startswith("phó "):
        title = title[4:]
    return f"{title} {data.agency_name}".upper()


def _person(data: ResultData) -> str:
    return f"Ông/Bà {data.applicant.full_name}"


def _who(data: ResultData) -> str:
    a = data.applicant
    parts = [f"<b>{esc(_person(data))}</b>"]
    if a.id_number:
        parts.append(f"số định danh cá nhân {esc(a.id_number)}")
    if a.address:
        parts.append(f"địa chỉ: {esc(a.address)}")
    return ", ".join(parts)


def _details_table(st: Styles, details: list[tuple[str, str]]) -> Table | None:
    if not details:
        return None
    rows = [[Paragraph(esc(label), st.cell), Paragraph(esc(value), st.cell)] for label, value in details]
    table = Table(rows, colWidths=[62 * mm, PORTRAIT_WIDTH - 62 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), SERIF, 12),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _basis(st: Styles, data: ResultData) -> list[Flowable]:
    lines = [Paragraph(f"<i>Căn cứ {esc(b.rstrip(';. '))};</i>", st.body) for b in data.legal_basis]
    received = f" tiếp nhận {fmt_date_words(data.received_at)}" if data.received_at else ""
    lines.append(Paragraph(
        f"<i>Xét hồ sơ đề nghị {esc(data.procedure_name)} của {esc(_person(data))} (mã hồ sơ "
        f"{esc(data.dossier_code)}){received}.</i>", st.body))
    return lines


def _decision(st: Styles, data: ResultData) -> list[Flowable]:
    about = data.document.name[len("Quyết định"):].strip()
    if about.lower().startswith("về việc "):
        about = about[len("về việc "):]
    story: list[Flowable] = [
        Paragraph("QUYẾT ĐỊNH", st.title),
        Paragraph(f"<b>Về việc {esc(about)}</b>", st.center),
        short_rule(30 * mm),
        Paragraph(f"<b>{esc(_authority(data))}</b>", st.center),
        Spacer(1, 2 * mm),
        *_basis(st, data),
        Paragraph("<b>QUYẾT ĐỊNH:</b>", st.center),
        Paragraph(f"<b>Điều 1.</b> {esc(about[:1].upper() + about[1:])} đối với {_who(data)}.", st.body),
    ]
    table = _details_table(st, data.details)
    if table is not None:
        story += [table, Spacer(1, 2 * mm)]
    if data.reason.strip():
        story.append(Paragraph(f"Nội dung: {esc(data.reason)}", st.body))
    story += [
        Paragraph("<b>Điều 2.</b> Quyết định này có hiệu lực kể từ ngày ký.", st.body),
        Paragraph(f"<b>Điều 3.</b> {esc(_person(data))} và các cơ quan, đơn vị, cá nhân có liên quan "
                  "chịu trách nhiệm thi hành Quyết định này./.", st.body),
    ]
    return story


def _grant(st: Styles, data: ResultData) -> list[Flowable]:
    """A licence, certificate or other named document."""
    story: list[Flowable] = [
        Paragraph(esc(data.document.name.upper()), st.title),
        short_rule(30 * mm),
        *_basis(st, data),
        Paragraph(f"<b>{esc(data.agency_name)}</b> cấp cho: {_who(data)}.", st.body)
        if data.document.kind in (LICENCE, CERTIFICATE) else
        Paragraph(f"<b>{esc(data.agency_name)}</b> ban hành {esc(data.document.name[0].lower() + data.document.name[1:])} "
                  f"đối với hồ sơ của {_who(data)}.", st.body),
    ]
    table = _details_table(st, data.details)
    if table is not None:
        story += [table, Spacer(1, 2 * mm)]
    if data.reason.strip():
        story.append(Paragraph(f"Nội dung: {esc(data.reason)}", st.body))
    if data.document.kind in (LICENCE, CERTIFICATE):
        story.append(Paragraph(f"{esc(data.document.name)} có giá trị kể từ ngày ký./.", st.body))
    return story


def _reply(st: Styles, data: ResultData) -> list[Flowable]:
    """The written reply (công văn): a refusal with its reasons, or a result that is no document."""
    received = f" {fmt_date_words(data.received_at)}" if data.received_at else ""
    story: list[Flowable] = [
        Spacer(1, 4 * mm),
        Paragraph(f"Kính gửi: <b>{esc(_person(data))}</b>", st.center),
        Spacer(1, 3 * mm),
        Paragraph(
            f"{esc(data.agency_name)} đã tiếp nhận{received} hồ sơ đề nghị {esc(data.procedure_name)} "
            f"của {_who(data)} (mã hồ sơ {esc(data.dossier_code)}).", st.body),
    ]
    if data.granted:
        story.append(Paragraph(
            f"Sau khi xem xét, {esc(data.agency_name)} đã giải quyết hồ sơ theo đề nghị của Ông/Bà.",
            st.body))
        table = _details_table(st, data.details)
        if table is not None:
            story += [table, Spacer(1, 2 * mm)]
        if data.reason.strip():
            story.append(Paragraph(f"Nội dung: {esc(data.reason)}", st.body))
    else:
        story += [
            Paragraph(f"Sau khi xem xét, {esc(data.agency_name)} không giải quyết đề nghị của Ông/Bà "
                      "với lý do như sau:", st.body),
            Paragraph(esc_or_blank(data.reason), st.indent),
        ]
    story.append(Paragraph(f"{esc(data.agency_name)} trả lời để Ông/Bà được biết./.", st.body))
    return story


def _recipients(st: Styles, data: ResultData) -> Paragraph:
    lines = ["<b><i>Nơi nhận:</i></b>"]
    lines.append("- Như Điều 3;" if data.document.kind == DECISION else f"- {esc(_person(data))};")
    if data.one_stop_unit:
        lines.append(f"- {esc(data.one_stop_unit)} (trả kết quả);")
    lines.append("- Lưu: VT.")
    style = st.note.clone("recipients", fontName=SERIF, fontSize=11, leading=13)
    return Paragraph("<br/>".join(lines), style)


def render_result(data: ResultData) -> RenderedForm:
    """The result document with two signature boxes: ``seal`` (left) and ``head`` (right)."""
    st = Styles()
    boxes: dict[str, SignatureBox] = {}
    header = data.header
    if data.document.kind == REPLY:
        header = Header(**{**header.__dict__, "subject": f"V/v trả lời hồ sơ đề nghị {data.procedure_name}"})
    if data.draft:
        header = Header(**{**header.__dict__, "number": None})
    story: list[Flowable] = []
    if data.draft:
        story.append(Paragraph(
            f"{DRAFT_MARK} - chưa có giá trị pháp lý",
            st.form_no.clone("draft_mark", fontName=SERIF_BOLD, textColor="#b00000")))
    story.append(header_block(st, header, PORTRAIT_WIDTH))
    kind = data.document.kind
    story += _decision(st, data) if kind == DECISION else _reply(st, data) if kind == REPLY else _grant(st, data)
    signatures = signature_table(
        st,
        [
            Signer("Chữ ký số của cơ quan", "Dấu của cơ quan", data.agency_name, "seal"),
            Signer(data.signer_title, "Ký số", data.signer_name, "head"),
        ],
        PORTRAIT_WIDTH, boxes, space=30 * mm,
    )
    story.append(KeepTogether([signatures, Spacer(1, 2 * mm), _recipients(st, data)]))
    story.append(Paragraph(
        "Văn bản được ký số bởi người có thẩm quyền và chữ ký số của cơ quan; có thể kiểm tra chữ ký tại "
        "trang Kiểm tra chữ ký số của Cổng Dịch vụ công tỉnh Lai Châu.",
        st.note.clone("verify_note", fontName=SERIF_ITALIC, fontSize=10, leading=12)))
    name = data.document.name
    title = f"{DRAFT_MARK} - {name}" if data.draft else name
    number = f" số {data.header.number}" if data.header.number and not data.draft else ""
    pdf, pages = build_pdf(story, title=f"{title}{number} - {data.dossier_code}", subject=data.procedure_name)
    return RenderedForm(pdf, {"head": boxes["head"], "seal": boxes["seal"]}, None, pages)


__all__ = [
    "CERTIFICATE", "DECISION", "DOCUMENT", "KIND_SYMBOLS", "LICENCE", "REPLY", "ResultData", "ResultDocument",
    "form_details", "option_label", "render_result", "result_document",
]
