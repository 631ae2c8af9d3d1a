"""People-facing text for filing errors and statuses, shared by the pages and the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.labels import EVENT_LABELS as ACTION_LABELS  # noqa: F401
from portal.labels import STATUS_LABELS  # noqa: F401

FILING_MESSAGES = {
    "not_found": _l("Không tìm thấy hồ sơ hoặc tệp bạn yêu cầu."),
    "not_online": _l("Thủ tục này không được nộp trực tuyến."),
    "unknown_procedure": _l("Không tìm thấy thủ tục này."),
    "idempotency_key_invalid": _l("Idempotency-Key phải là chuỗi ký tự in được, tối đa 100 ký tự."),
    "idempotency_key_reused": _l("Idempotency-Key này đã được dùng cho một yêu cầu khác."),
    "not_editable": _l("Hồ sơ ở trạng thái này không thể sửa đổi."),
    "unknown_document": _l("Thành phần hồ sơ “%(key)s” không có trong thủ tục này."),
    "empty_file": _l("Tệp bạn chọn không có nội dung. Vui lòng chọn lại tệp."),
    "file_too_large": _l("Tệp quá lớn: mỗi tệp tối đa %(limit)s MB. Hãy chụp hoặc quét với độ phân giải thấp hơn."),
    "dossier_too_large": _l("Tổng dung lượng các tệp của hồ sơ vượt quá %(limit)s MB."),
    "wrong_type": _l("Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên tệp)."),
    "too_many_files": _l("Mỗi thành phần hồ sơ có tối đa %(n)s tệp."),
    "form_incomplete": _l("Còn thiếu thông tin bắt buộc: %(fields)s."),
    "documents_missing": _l("Còn thiếu giấy tờ bắt buộc: %(documents)s."),
    "delivery_unknown": _l("Hình thức nhận kết quả này không áp dụng cho thủ tục."),
    "delivery_address_required": _l("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính (đầy đủ số nhà, xã/phường)."),
    "not_waiting_supplement": _l("Hồ sơ không ở trạng thái chờ bổ sung."),
    "not_requested": _l("Chỉ được sửa các mục được yêu cầu bổ sung (không được sửa: %(fields)s)."),
    "stale_version": _l("Hồ sơ vừa được cập nhật. Vui lòng tải lại trang và thử lại."),
    "reason_required": _l("Vui lòng nêu lý do."),
    "rating_unknown": _l("Vui lòng chọn một mức đánh giá."),
    "feedback_kind_unknown": _l("Vui lòng chọn loại phản ánh."),
    "feedback_empty": _l("Vui lòng nhập tiêu đề và nội dung."),
    "feedback_dossier_unknown": _l("Không tìm thấy hồ sơ của bạn với mã này."),
    "payment_not_due": _l("Hồ sơ này hiện không có khoản phí cần nộp trực tuyến."),
    "payment_forged": _l("Kết quả thanh toán không hợp lệ (chữ ký hoặc nội dung không khớp)."),
    "payment_duplicate": _l("Giao dịch này đã được ghi nhận trước đó."),
    "action_not_allowed": _l("Thao tác này không thực hiện được ở trạng thái hiện tại của hồ sơ."),
    "role_not_allowed": _l("Bạn không có quyền thực hiện thao tác này."),
    "guard_reason_given": _l("Vui lòng nêu lý do."),
    "guard_not_yet_rated": _l("Bạn đã đánh giá hồ sơ này."),
    "guard_documents_complete": _l("Hồ sơ còn thiếu giấy tờ bắt buộc."),
    "unknown_action": _l("Thao tác không tồn tại."),
}



RATING_LABELS = {
    "very_satisfied": _l("Rất hài lòng"),
    "satisfied": _l("Hài lòng"),
    "unsatisfied": _l("Không hài lòng"),
}

PAYMENT_STATUS_LABELS = {
    "pending": _l("Đang chờ ngân hàng xác nhận"),
    "paid": _l("Đã thanh toán"),
    "failed": _l("Không thành công"),
}


def filing_message(error) -> str:
    template = FILING_MESSAGES.get(error.code)
    if template is None:
        return str(_l("Không thực hiện được thao tác. Vui lòng thử lại."))
    try:
        return str(template) % error.params if error.params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)
