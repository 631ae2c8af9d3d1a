"""Standard one-stop-shop forms (Thông tư 01/2018/TT-VPCP and 03/2025/TT-VPCP) as PDF/XLSX.

Pure functions from plain dataclasses to bytes; no Flask and no database here.
"""

from .common import VN_TZ, RenderedForm, SignatureBox
from .data import (
    ApologyData,
    Applicant,
    ControlSheetData,
    DocumentLine,
    HandoverRow,
    Header,
    ProofStamp,
    ReceiptData,
    RefusalData,
    RegisterData,
    RegisterRow,
    StopNoticeData,
    SupplementRequestData,
)
from .forms import (
    RESULT_LABELS,
    render_apology,
    render_control_sheet,
    render_receipt,
    render_refusal,
    render_stop_notice,
    render_supplement_request,
)
from .formsets import FORM_SETS, form_info
from .register import register_xlsx, render_register

__all__ = [
    "ProofStamp",
    "FORM_SETS",
    "RESULT_LABELS",
    "VN_TZ",
    "Applicant",
    "ApologyData",
    "ControlSheetData",
    "DocumentLine",
    "HandoverRow",
    "Header",
    "ReceiptData",
    "RefusalData",
    "RegisterData",
    "RegisterRow",
    "RenderedForm",
    "SignatureBox",
    "StopNoticeData",
    "SupplementRequestData",
    "form_info",
    "register_xlsx",
    "render_apology",
    "render_control_sheet",
    "render_receipt",
    "render_refusal",
    "render_register",
    "render_stop_notice",
    "render_supplement_request",
]
