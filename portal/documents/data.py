"""Plain data for the standard forms (Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP).

The portal builds these from its database rows and hands them to the renderers in
:mod:`portal.documents.forms`. Nothing here knows about Flask or the database.

All ``datetime`` values must be timezone-aware; they are printed in Vietnam time (+07:00).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

HandoverResult = Literal["early", "on_time", "late"]


@dataclass(frozen=True)
class ProofStamp:
    """A provable appointment's verification code as printed ("ABCDE-FGHJK") and the address of
    its public page (drawn by ``portal.documents.proof``)."""

    code: str
    url: str


@dataclass(frozen=True)
class Applicant:
    full_name: str
    id_number: str
    address: str
    phone: str
    email: str
    proxy_name: str | None = None
    # The proxy's details and the authorisation document (Thông tư 03/2025/TT-VPCP receipt).
    proxy_id_number: str | None = None
    proxy_address: str | None = None
    proxy_phone: str | None = None
    proxy_email: str | None = None
    authorisation: str | None = None


@dataclass(frozen=True)
class DocumentLine:
    name: str
    original: str  # "Bản chính", "Bản sao", "Bản sao có chứng thực", ...
    quantity: int


@dataclass(frozen=True)
class Header:
    managing_body: str  # the governing body (cơ quan chủ quản), e.g. "UBND TỈNH LAI CHÂU"; may be empty
    unit: str = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
    place: str = "Lai Châu"
    number: str | None = None
    date: date = field(default_factory=date.today)
    # The issuing unit as named inside a sentence ("Trung tâm Phục vụ hành chính công tỉnh Lai
    # Châu tiếp nhận hồ sơ của: ..."); by default derived from ``unit``.
    phrase: str | None = None
    # The abstract of a letter (trích yếu, "V/v trả lời hồ sơ ..."), printed under "Số:".
    subject: str | None = None
    # What the number is: "Số" for a document, "Quyển số" for a register book.
    number_label: str = "Số"


@dataclass(frozen=True)
class ReceiptData:
    header: Header
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    documents: list[DocumentLine]
    sets: int
    processing_days: int
    received_at: datetime
    due_at: datetime
    collect_at: str
    register_book: str
    register_entry: str
    officer_name: str
    lookup_url: str
    proof: ProofStamp | None = None  # the appointment's verification code and page (portal.documents.proof)


@dataclass(frozen=True)
class SupplementRequestData:
    header: Header
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    items: list[str]
    reason: str
    contact: str
    phone: str
    officer_name: str


@dataclass(frozen=True)
class RefusalData:
    header: Header
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    reasons: list[str]
    officer_name: str


@dataclass(frozen=True)
class ApologyData:
    header: Header
    addressee: str
    received_at: datetime
    procedure_name: str
    dossier_code: str
    original_due_at: datetime
    reason: str
    new_due_at: datetime
    signer_name: str
    signer_title: str
    # Name of the agency as used inside sentences ("Sở Tư pháp tỉnh Lai Châu");
    # defaults to the unit name from the header.
    agency_name: str | None = None
    # "Nơi nhận" of the letter (the applicant comes first by itself; "Lưu: VT" last).
    recipients: list[str] = field(default_factory=list)
    proof: ProofStamp | None = None  # the new appointment's verification code and page


@dataclass(frozen=True)
class StopNoticeData:
    """Thông báo dừng giải quyết hồ sơ (2025 set only)."""

    header: Header
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    reason: str
    signer_name: str
    signer_title: str
    received_at: datetime | None = None
    agency_name: str | None = None
    # The applicant withdrew the dossier (Thông tư 03/2025/TT-VPCP, Điều 7): the notice says so.
    withdrawn: bool = False
    recipients: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HandoverRow:
    giver: str
    receiver: str
    at: datetime
    result: HandoverResult | None = None
    note: str = ""


@dataclass(frozen=True)
class ControlSheetData:
    header: Header
    dossier_code: str
    procedure_name: str
    handling_agency: str
    coordinating_agencies: list[str]
    received_at: datetime
    due_at: datetime
    handovers: list[HandoverRow]
    applicant_name: str | None = None


@dataclass(frozen=True)
class RegisterRow:
    no: int
    dossier_code: str
    procedure_name: str
    applicant: str
    address_phone: str
    lead_agency: str
    received_at: datetime
    due_at: datetime
    transferred_at: datetime | date | None = None
    result_at: datetime | date | None = None
    returned_at: datetime | date | None = None
    returned_how: str | None = None  # "Trực tiếp", "Bưu chính", "Trực tuyến", ...
    note: str = ""


@dataclass(frozen=True)
class RegisterData:
    header: Header
    field_name: str
    period_from: date
    period_to: date
    rows: list[RegisterRow]
