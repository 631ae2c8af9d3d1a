"""One vocabulary for the lifecycle on every page, export and message.

Status titles follow the national portal's status list (DOMAIN.md), so a citizen, an officer
and a leader read the same words for the same thing.
"""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Bản nháp (chưa nộp)"),
    "submitted": _l("Mới đăng ký"),
    "accepted": _l("Đã tiếp nhận"),
    "not_accepted": _l("Không được tiếp nhận"),
    "in_process": _l("Đang xử lý"),
    "supplement_requested": _l("Yêu cầu bổ sung"),
    "awaiting_fee": _l("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "withdrawn": _l("Công dân rút hồ sơ"),
    "stopped": _l("Dừng xử lý"),
    "processed": _l("Đã xử lý xong"),
    "returned": _l("Đã trả kết quả"),
}

CHANNEL_LABELS = {"online": _l("Trực tuyến"), "in_person": _l("Trực tiếp"), "post": _l("Bưu chính công ích")}

TIMELINESS_LABELS = {"early": _l("Trước hạn"), "on_time": _l("Đúng hạn"), "late": _l("Quá hạn")}

#: What happened, as the history of a dossier tells it (whoever did it).
EVENT_LABELS = {
    "create": _l("Tạo hồ sơ nháp"),
    "submit": _l("Nộp hồ sơ"),
    "accept": _l("Tiếp nhận hồ sơ"),
    "refuse_intake": _l("Từ chối tiếp nhận"),
    "request_supplement": _l("Yêu cầu bổ sung"),
    "supplement": _l("Bổ sung hồ sơ"),
    "forward": _l("Chuyển xử lý"),
    "send_back": _l("Trả lại bước trước"),
    "propose_result": _l("Dự thảo kết quả"),
    "approve": _l("Phê duyệt, ký kết quả"),
    "refuse": _l("Từ chối giải quyết"),
    "issue_result": _l("Ban hành kết quả"),
    "return_result": _l("Trả kết quả"),
    "request_fee": _l("Đề nghị nộp phí, lệ phí"),
    "pay_fee": _l("Nộp phí, lệ phí"),
    "apologize": _l("Xin lỗi, hẹn lại ngày trả"),
    "stop": _l("Dừng xử lý"),
    "withdraw": _l("Rút hồ sơ"),
    "rate": _l("Đánh giá mức độ hài lòng"),
}
