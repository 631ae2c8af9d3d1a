"""Standard one-stop-shop forms (Thông tư 01/2018/TT-VPCP and 03/2025/TT-VPCP) as PDF/XLSX.

Pure functions from plain dataclasses to bytes; no Flask and no database here.

The data classes and the form sets load with the package; the renderers (ReportLab, Pillow and
segno: about 0.2 s of start-up) load when one of their names is first read (``__getattr__``).
"""

import importlib

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
from .formsets import FORM_SETS, form_info

#: Names read from a renderer module on first use -> that module.
_RENDERERS = {
    "VN_TZ": "common", "RenderedForm": "common", "SignatureBox": "common",
    "RESULT_LABELS": "forms", "render_apology": "forms", "render_control_sheet": "forms",
    "render_receipt": "forms", "render_refusal": "forms", "render_stop_notice": "forms",
    "render_supplement_request": "forms",
    "register_xlsx": "register", "render_register": "register",
}


def __getattr__(name: str):
    module = _RENDERERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

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
