"""Form numbering per legal text, kept versioned.

- "2018": Thông tư 01/2018/TT-VPCP (6 forms).
- "2025": Thông tư 03/2025/TT-VPCP (7 forms: adds "Thông báo dừng giải quyết hồ sơ" as 05,
  moving the control sheet and the register to 06 and 07).
"""

from __future__ import annotations

RECEIPT = "receipt"
SUPPLEMENT_REQUEST = "supplement_request"
REFUSAL = "refusal"
APOLOGY = "apology"
STOP_NOTICE = "stop_notice"
CONTROL_SHEET = "control_sheet"
REGISTER = "register"

_COMMON = {
    RECEIPT: ("Mẫu số 01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    SUPPLEMENT_REQUEST: ("Mẫu số 02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    REFUSAL: ("Mẫu số 03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
}

FORM_SETS: dict[str, dict[str, tuple[str, str]]] = {
    "2018": {
        **_COMMON,
        APOLOGY: ("Mẫu số 04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        CONTROL_SHEET: ("Mẫu số 05", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        REGISTER: ("Mẫu số 06", "Sổ theo dõi hồ sơ"),
    },
    "2025": {
        **_COMMON,
        # Thông tư 03/2025/TT-VPCP: the apology asks to extend the processing time.
        APOLOGY: ("Mẫu số 04", "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
        STOP_NOTICE: ("Mẫu số 05", "Thông báo dừng giải quyết hồ sơ"),
        CONTROL_SHEET: ("Mẫu số 06", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        REGISTER: ("Mẫu số 07", "Sổ theo dõi hồ sơ"),
    },
}

DEFAULT_FORM_SET = "2018"


def form_info(form_set: str, form: str) -> tuple[str, str]:
    """Return ``(number, title)`` of ``form`` in ``form_set``; ValueError if it has none."""
    try:
        forms = FORM_SETS[form_set]
    except KeyError:
        raise ValueError(
            f"unknown form set {form_set!r}; expected one of {sorted(FORM_SETS)}"
        ) from None
    try:
        return forms[form]
    except KeyError:
        raise ValueError(f"form {form!r} does not exist in form set {form_set!r}") from None
