"""Translated titles of statuses, actions, queues and error codes for the office pages."""

from flask_babel import lazy_gettext as _l

from portal.labels import CHANNEL_LABELS, EVENT_LABELS, STATUS_LABELS, TIMELINESS_LABELS  # noqa: F401

#: Buttons of the office pages: what the officer is about to do.
ACTION_LABELS = {
    "create": _l("Tạo hồ sơ"),
    "submit": _l("Nộp hồ sơ"),
    "accept": _l("Tiếp nhận hồ sơ"),
    "request_supplement": _l("Yêu cầu bổ sung"),
    "refuse_intake": _l("Từ chối tiếp nhận"),
    "forward": _l("Chuyển bước tiếp theo"),
    "send_back": _l("Trả lại bước trước"),
    "propose_result": _l("Đề xuất kết quả"),
    "approve": _l("Phê duyệt, ký kết quả"),
    "refuse": _l("Từ chối giải quyết"),
    "stop": _l("Dừng xử lý"),
    "apologize": _l("Xin lỗi và hẹn lại"),
    "request_fee": _l("Yêu cầu nộp phí"),
    "pay_fee": _l("Xác nhận đã nộp phí"),
    "supplement": _l("Ghi nhận bổ sung"),
    "withdraw": _l("Ghi nhận rút hồ sơ"),
    "issue_result": _l("Ban hành kết quả"),
    "return_result": _l("Trả kết quả"),
    "rate": _l("Đánh giá"),
}
QUEUE_LABELS = {
    "work": _l("Đang giải quyết"),
    "new": _l("Hồ sơ trực tuyến mới"),
    "mine": _l("Đến lượt tôi"),
    "due_soon": _l("Sắp đến hạn"),
    "overdue": _l("Quá hạn"),
    "supplement": _l("Chờ bổ sung"),
    "all": _l("Tất cả"),
}
FORM_LABELS = {
    "receipt": _l("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "supplement_request": _l("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "refusal": _l("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "apology": _l("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "stop_notice": _l("Thông báo dừng giải quyết hồ sơ"),
    "control_sheet": _l("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}
ERROR_MESSAGES = {
    "stale_version": _l("Hồ sơ vừa được người khác cập nhật. Trang đã tải lại dữ liệu mới; hãy kiểm tra và thao tác lại."),
    "role_not_allowed": _l("Vai trò của bạn không được thực hiện thao tác này."),
    "not_your_step": _l("Hồ sơ không ở bước của bạn."),
    "action_not_allowed": _l("Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ."),
    "unknown_action": _l("Thao tác không hợp lệ."),
    "guard_reason_given": _l("Cần ghi rõ lý do."),
    "guard_documents_complete": _l("Thành phần hồ sơ chưa đầy đủ: hãy đánh dấu đủ các giấy tờ bắt buộc, hoặc yêu cầu bổ sung."),
    "guard_result_proposed": _l("Chưa có dự thảo kết quả được đề xuất."),
    "guard_result_signed": _l("Kết quả chưa được lãnh đạo phê duyệt, ký."),
    "guard_not_yet_apologized": _l("Hồ sơ đã được xin lỗi và hẹn lại một lần; không được hẹn lại lần nữa."),
    "guard_new_due_after_current": _l("Ngày hẹn mới phải sau ngày hẹn hiện tại."),
    "guard_fee_paid": _l("Người nộp chưa nộp phí, lệ phí."),
    "guard_fee_due": _l("Thủ tục không có phí, lệ phí phải nộp."),
    "already_apologized": _l("Hồ sơ đã được xin lỗi và hẹn lại một lần."),
    "no_next_step": _l("Đây là bước cuối của quy trình."),
    "no_previous_step": _l("Không có bước trước để trả lại."),
    "not_found": _l("Không tìm thấy hồ sơ."),
    "unknown_procedure": _l("Thủ tục không thuộc cơ quan của bạn."),
    "applicant_name_required": _l("Cần họ tên người nộp."),
    "bad_id_number": _l("Số định danh gồm 9 hoặc 12 chữ số."),
    "unknown_document": _l("Giấy tờ không có trong danh mục thành phần hồ sơ."),
    "documents_incomplete": _l("Còn thiếu giấy tờ bắt buộc: hãy quét (số hóa) hoặc đánh dấu đã nhận bản giấy."),
    "empty_file": _l("Tệp rỗng."),
    "file_too_large": _l("Tệp lớn hơn 20 MB."),
    "file_type": _l("Chỉ nhận tệp PDF, PNG hoặc JPEG (dự thảo kết quả: PDF)."),
    "draft_required": _l("Cần tải lên dự thảo kết quả (PDF) hoặc chọn tạo dự thảo."),
    "bad_channel": _l("Kênh nộp không hợp lệ."),
    "delivery_required": _l("Cần chọn hình thức trả kết quả."),
    "items_required": _l("Cần liệt kê nội dung cần bổ sung."),
    "bad_new_due": _l("Cần chọn ngày và giờ hẹn trả mới."),
}
