"""Names of the figures, rates and groupings as people read them (translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.labels import CHANNEL_LABELS, STATUS_LABELS, TIMELINESS_LABELS  # noqa: F401

FIGURE_LABELS = {
    "carried_over": _l("Kỳ trước chuyển sang"),
    "received": _l("Tiếp nhận trong kỳ"),
    "received_online": _l("Trực tuyến"),
    "received_in_person": _l("Trực tiếp"),
    "received_post": _l("Bưu chính công ích"),
    "processed": _l("Đã giải quyết"),
    "early": _l("Trước hạn"),
    "on_time": _l("Đúng hạn"),
    "late": _l("Quá hạn"),
    "in_process": _l("Đang giải quyết"),
    "not_yet_due": _l("Chưa đến hạn"),
    "overdue": _l("Đã quá hạn"),
    "supplement": _l("Chờ bổ sung"),
    "stopped": _l("Dừng xử lý"),
    "withdrawn": _l("Rút hồ sơ"),
    "refused": _l("Từ chối giải quyết"),
    "returned": _l("Đã trả kết quả"),
    "processed_in_time": _l("Giải quyết trước và đúng hạn"),
    "received_level3": _l("Tiếp nhận, thủ tục mức độ 3"),
    "received_level3_online": _l("Tiếp nhận trực tuyến, thủ tục mức độ 3"),
    "received_level4": _l("Tiếp nhận, thủ tục mức độ 4"),
    "received_level4_online": _l("Tiếp nhận trực tuyến, thủ tục mức độ 4"),
    "received_level34": _l("Tiếp nhận, thủ tục mức độ 3, 4"),
    "received_level34_online": _l("Tiếp nhận trực tuyến, thủ tục mức độ 3, 4"),
}

RATE_LABELS = {
    "on_time_rate": _l("Tỷ lệ giải quyết đúng hạn"),
    "online_rate_level3": _l("Tỷ lệ hồ sơ trực tuyến mức độ 3"),
    "online_rate_level4": _l("Tỷ lệ hồ sơ trực tuyến mức độ 4"),
}

GROUP_LABELS = {
    "agency": _l("Cơ quan"),
    "field": _l("Lĩnh vực"),
    "procedure": _l("Thủ tục"),
    "month": _l("Tháng"),
}

PERIOD_KIND_LABELS = {
    "month": _l("Tháng"),
    "quarter": _l("Quý"),
    "half": _l("6 tháng đầu năm"),
    "nine_months": _l("9 tháng đầu năm"),
    "year": _l("Năm"),
    "custom": _l("Khoảng ngày tự chọn"),
}

VERDICT_LABELS = {
    "dat": _l("Đạt"),
    "chua_dat": _l("Chưa đạt"),
    "vuot": _l("Vượt"),
    "chua_co_so_lieu": _l("Chưa có số liệu"),
}

