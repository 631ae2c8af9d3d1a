"""One vocabulary on every page, export and message: what people read for each identifier.

One table per identifier (and per audience where two audiences need different words), keyed by
the enum when there is one (``workflow.states``, ``portal.models``); a ``StrEnum`` key still
matches a lookup by the stored plain string (``STATUS_LABELS["draft"]``). Every value is a lazy
translation, rendered in the reader's language (tests/unit/test_labels.py checks it).

Status titles follow the national portal's status list (DOMAIN.md), so a citizen, an officer
and a leader read the same words for the same thing.

Not here: the refusal messages (``portal.messages``), notifications (``operations.notifications``),
and the texts printed on the legal forms, which are always Vietnamese (``portal.documents``,
``operations.forms``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models.dossier import DossierSource
from portal.models.files import FileKind
from portal.models.filing import (
    FeedbackKind,
    FeedbackStatus,
    OutboxChannel,
    PaymentStatus,
    RatingLevel,
)
from portal.payments.gateway import Discrepancy, GatewayStatus
from portal.statistics import formulas
from workflow.states import Action, Channel, DeliveryMethod, ResultKind, Role, Status, Timeliness

STATUS_LABELS = {
    Status.DRAFT: _l("Bản nháp (chưa nộp)"),
    Status.SUBMITTED: _l("Mới đăng ký"),
    Status.ACCEPTED: _l("Đã tiếp nhận"),
    Status.NOT_ACCEPTED: _l("Không được tiếp nhận"),
    Status.IN_PROCESS: _l("Đang xử lý"),
    Status.SUPPLEMENT_REQUESTED: _l("Yêu cầu bổ sung"),
    Status.AWAITING_FEE: _l("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWN: _l("Công dân rút hồ sơ"),
    Status.STOPPED: _l("Dừng xử lý"),
    Status.PROCESSED: _l("Đã xử lý xong"),
    Status.RETURNED: _l("Đã trả kết quả"),
}

CHANNEL_LABELS = {
    Channel.ONLINE: _l("Trực tuyến"),
    Channel.IN_PERSON: _l("Trực tiếp"),
    Channel.POST: _l("Bưu chính công ích"),
}

#: Which system a dossier was filed through; shown as a badge when it is the national portal.
SOURCE_LABELS = {
    DossierSource.PORTAL: _l("Cổng DVC tỉnh"),
    DossierSource.NATIONAL: _l("Cổng DVC quốc gia"),
}

#: Where an outbox message goes (the administrators' synchronisation page).
OUTBOX_CHANNEL_LABELS = {
    OutboxChannel.EMAIL: _l("Thư điện tử"),
    OutboxChannel.NATIONAL: _l("Cổng DVC quốc gia"),
    OutboxChannel.SMS: _l("Tin nhắn SMS"),
    OutboxChannel.ZALO: _l("Tin nhắn Zalo"),
    OutboxChannel.SIGNING: _l("Ký số kết quả"),
}

TIMELINESS_LABELS = {
    Timeliness.EARLY: _l("Trước hạn"),
    Timeliness.ON_TIME: _l("Đúng hạn"),
    Timeliness.LATE: _l("Quá hạn"),
}

#: The first event of every dossier (``DossierEvent.action``); not a lifecycle ``Action``.
CREATE = "create"

#: What happened, as the history of a dossier tells it to everyone (whoever did it): the
#: citizen's page, the office page, the API. Past events: "Dự thảo kết quả" (a draft was made).
EVENT_LABELS = {
    CREATE: _l("Tạo hồ sơ nháp"),
    Action.SUBMIT: _l("Nộp hồ sơ"),
    Action.ACCEPT: _l("Tiếp nhận hồ sơ"),
    Action.REFUSE_INTAKE: _l("Từ chối tiếp nhận"),
    Action.REQUEST_SUPPLEMENT: _l("Yêu cầu bổ sung"),
    Action.SUPPLEMENT: _l("Bổ sung hồ sơ"),
    Action.FORWARD: _l("Chuyển xử lý"),
    Action.SEND_BACK: _l("Trả lại bước trước"),
    Action.PROPOSE_RESULT: _l("Dự thảo kết quả"),
    Action.APPROVE: _l("Phê duyệt, ký kết quả"),
    Action.REFUSE: _l("Từ chối giải quyết"),
    Action.ISSUE_RESULT: _l("Ban hành kết quả"),
    Action.RETURN_RESULT: _l("Trả kết quả"),
    Action.REQUEST_FEE: _l("Đề nghị nộp phí, lệ phí"),
    Action.PAY_FEE: _l("Nộp phí, lệ phí"),
    Action.APOLOGIZE: _l("Xin lỗi, hẹn lại ngày trả"),
    Action.STOP: _l("Dừng xử lý"),
    Action.WITHDRAW: _l("Rút hồ sơ"),
    Action.RATE: _l("Đánh giá mức độ hài lòng"),
}

#: The officer's buttons on the office pages, and the "done: ..." message after one: what the
#: officer is about to do ("Đề xuất kết quả", where the history says "Dự thảo kết quả"; actions
#: the office records for the applicant read "Ghi nhận ...").
ACTION_LABELS = {
    Action.SUBMIT: _l("Nộp hồ sơ"),
    Action.ACCEPT: _l("Tiếp nhận hồ sơ"),
    Action.REQUEST_SUPPLEMENT: _l("Yêu cầu bổ sung"),
    Action.REFUSE_INTAKE: _l("Từ chối tiếp nhận"),
    Action.FORWARD: _l("Chuyển bước tiếp theo"),
    Action.SEND_BACK: _l("Trả lại bước trước"),
    Action.PROPOSE_RESULT: _l("Đề xuất kết quả"),
    Action.APPROVE: _l("Phê duyệt, ký kết quả"),
    Action.REFUSE: _l("Từ chối giải quyết"),
    Action.STOP: _l("Dừng xử lý"),
    Action.APOLOGIZE: _l("Xin lỗi và hẹn lại"),
    Action.REQUEST_FEE: _l("Yêu cầu nộp phí"),
    Action.PAY_FEE: _l("Xác nhận đã nộp phí"),
    Action.SUPPLEMENT: _l("Ghi nhận bổ sung"),
    Action.WITHDRAW: _l("Ghi nhận rút hồ sơ"),
    Action.ISSUE_RESULT: _l("Ban hành kết quả"),
    Action.RETURN_RESULT: _l("Trả kết quả"),
    Action.RATE: _l("Đánh giá"),
}

ROLE_LABELS = {
    Role.CITIZEN: _l("Công dân, tổ chức"),
    Role.ONE_STOP_OFFICER: _l("Cán bộ Bộ phận Một cửa"),
    Role.SPECIALIST: _l("Chuyên viên xử lý"),
    Role.UNIT_LEADER: _l("Lãnh đạo phòng"),
    Role.AGENCY_LEADER: _l("Lãnh đạo cơ quan"),
    Role.CLERK: _l("Văn thư"),
    Role.ADMIN: _l("Quản trị hệ thống"),
}

#: How the result is handed over: the applicant's choice when filing, the officer's when
#: returning it, the catalogue's list per procedure.
DELIVERY_LABELS = {
    DeliveryMethod.DESK: _l("Tại Bộ phận Một cửa"),
    DeliveryMethod.POST: _l("Qua bưu chính công ích"),
    DeliveryMethod.ONLINE: _l("Trực tuyến (bản điện tử có chữ ký số)"),
}

RESULT_KIND_LABELS = {
    ResultKind.GRANTED: _l("Giải quyết theo đề nghị"),
    ResultKind.REFUSED: _l("Từ chối giải quyết"),
}

FILE_KIND_LABELS = {
    FileKind.DOCUMENT: _l("Giấy tờ người nộp tải lên"),
    FileKind.SCAN: _l("Bản số hóa tại Bộ phận Một cửa"),
    FileKind.RESULT_DRAFT: _l("Dự thảo kết quả"),
    FileKind.RESULT: _l("Kết quả đã ký số"),
    FileKind.FORM: _l("Biểu mẫu đã ký số"),
}

#: A line of the daily payment reconciliation (``portal.operations.payments.Discrepancy``).
RECONCILIATION_LABELS = {
    Discrepancy.MATCHED: _l("Khớp"),
    Discrepancy.AMOUNT_MISMATCH: _l("Lệch số tiền"),
    Discrepancy.TRANSACTION_MISMATCH: _l("Lệch mã giao dịch"),
    Discrepancy.NOT_RECORDED: _l("Nền tảng đã thu, hồ sơ chưa ghi nhận"),
    Discrepancy.UNKNOWN_REFERENCE: _l("Nền tảng đã thu, không có khoản thanh toán tương ứng"),
    Discrepancy.NOT_ON_PROVIDER: _l("Hồ sơ ghi đã thu, nền tảng không có"),
    Discrepancy.DOSSIER_UNPAID: _l("Đã thu, hồ sơ chưa ghi đã nộp phí"),
}

#: A fee payment as the citizen follows it.
PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Đang chờ ngân hàng xác nhận"),
    PaymentStatus.PAID: _l("Đã thanh toán"),
    PaymentStatus.FAILED: _l("Không thành công"),
}

#: The same transaction as the (sandbox) bank's own page shows it to the payer.
BANK_STATUS_LABELS = {
    GatewayStatus.PENDING: _l("Chờ xác nhận"),
    GatewayStatus.APPROVED: _l("Đã chấp thuận"),
    GatewayStatus.DECLINED: _l("Đã từ chối"),
}

RATING_LABELS = {
    RatingLevel.VERY_SATISFIED: _l("Rất hài lòng"),
    RatingLevel.SATISFIED: _l("Hài lòng"),
    RatingLevel.UNSATISFIED: _l("Không hài lòng"),
}

FEEDBACK_KIND_LABELS = {
    FeedbackKind.FEEDBACK: _l("Góp ý, kiến nghị"),
    FeedbackKind.COMPLAINT: _l("Phản ánh, khiếu nại"),
}

FEEDBACK_STATUS_LABELS = {
    FeedbackStatus.NEW: _l("Mới, chưa phân công"),
    FeedbackStatus.ASSIGNED: _l("Đã phân công, đang trả lời"),
    FeedbackStatus.ANSWERED: _l("Đã trả lời"),
}

#: Level of online service of a procedure (``procedures.level``).
LEVEL_LABELS = {
    2: _l("Mức độ 2"),
    3: _l("Mức độ 3 · Một phần"),
    4: _l("Mức độ 4 · Toàn trình"),
}

#: Level of an agency (``agencies.level``); "district" only for rows made before 1/7/2025.
AGENCY_LEVEL_LABELS = {
    "province": _l("Tỉnh (UBND tỉnh)"),
    "department": _l("Sở, ban, ngành hoặc đơn vị thuộc sở"),
    "centre": _l("Trung tâm Phục vụ hành chính công"),
    "commune": _l("Xã, phường (UBND cấp xã)"),
    "vertical": _l("Cơ quan ngành dọc (Công an, Bảo hiểm xã hội, ...)"),
    "district": _l("Huyện (trước 1/7/2025)"),
}

#: Which copy of a document the catalogue asks for (``documents[].original``).
ORIGINAL_LABELS = {
    "original": _l("Bản chính"),
    "copy": _l("Bản sao"),
    "original_or_copy": _l("Bản chính hoặc bản sao"),
}

#: The office's work queues (``portal.operations.office.QUEUES``).
QUEUE_LABELS = {
    "work": _l("Đang giải quyết"),
    "new": _l("Hồ sơ trực tuyến mới"),
    "mine": _l("Đến lượt tôi"),
    "due_soon": _l("Sắp đến hạn"),
    "overdue": _l("Quá hạn"),
    "supplement": _l("Chờ bổ sung"),
    "linked": _l("Liên thông từ cơ quan khác"),
    "all": _l("Tất cả"),
}

#: The standard forms as the office pages list them (``portal.operations.forms.FORMS``); the
#: printed titles, always Vietnamese, are in ``portal.documents.formsets``.
FORM_LABELS = {
    "receipt": _l("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "supplement_request": _l("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "refusal": _l("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "apology": _l("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "stop_notice": _l("Thông báo dừng giải quyết hồ sơ"),
    "control_sheet": _l("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}

# ---------------------------------------------------------------------------------------------
# Statistics (leaders' dashboard, its exports and the statistics API)

#: Figures of the statistics table (``portal.statistics.queries.ALL_FIGURES``): counts, so some
#: read differently from the status of one dossier ("Đang giải quyết" vs "Đang xử lý").
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
    "stopped": _l("Đã dừng xử lý"),
    "withdrawn": _l("Đã rút hồ sơ"),
    "refused": _l("Bị từ chối giải quyết"),
    "returned": _l("Đã trả kết quả"),
    "processed_in_time": _l("Giải quyết trước và đúng hạn"),
    "received_level3": _l("Tiếp nhận, thủ tục mức độ 3"),
    "received_level3_online": _l("Tiếp nhận trực tuyến, thủ tục mức độ 3"),
    "received_level4": _l("Tiếp nhận, thủ tục mức độ 4"),
    "received_level4_online": _l("Tiếp nhận trực tuyến, thủ tục mức độ 4"),
    "received_level34": _l("Tiếp nhận, thủ tục mức độ 3, 4"),
    "received_level34_online": _l("Tiếp nhận trực tuyến, thủ tục mức độ 3, 4"),
    "received_paper": _l("Tiếp nhận trực tiếp và qua bưu chính"),
    "received_scanned": _l("Tiếp nhận trực tiếp, bưu chính có giấy tờ được số hóa tại một cửa"),
    "processed_e_result": _l("Đã giải quyết có kết quả điện tử ký số"),
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

#: Sets of dossiers behind the service index that are not figures of the table (``qd766.DOSSIER_SETS``).
DOSSIER_SET_LABELS = {
    "fee_paid": _l("Hồ sơ nộp phí, lệ phí trong kỳ"),
    "fee_paid_online": _l("Hồ sơ nộp phí, lệ phí trực tuyến trong kỳ"),
    "rated": _l("Hồ sơ được đánh giá trong kỳ"),
    "rated_satisfied": _l("Hồ sơ được đánh giá hài lòng, rất hài lòng trong kỳ"),
}
#: Sets of procedures behind the service index (``qd766.PROCEDURE_SETS``).
PROCEDURE_SET_LABELS = {
    "offered_online": _l("Thủ tục mức độ 3, 4 đang cung cấp"),
    "used_online": _l("Thủ tục mức độ 3, 4 có hồ sơ tiếp nhận trực tuyến trong kỳ"),
    "with_fee": _l("Thủ tục có phí, lệ phí"),
    "with_fee_online": _l("Thủ tục có phí, lệ phí được nộp trực tuyến (mức độ 3, 4)"),
    "fee_paid": _l("Thủ tục có hồ sơ nộp phí trong kỳ"),
    "fee_paid_online": _l("Thủ tục có hồ sơ nộp phí trực tuyến trong kỳ"),
}
#: Numbers of the province catalogue (``catalogue.MEASURES``).
CATALOGUE_MEASURE_LABELS = {
    "total": _l("Thủ tục trong danh mục của tỉnh"),
    "level3_or_more": _l("Thủ tục mức độ 3 trở lên"),
    "level4": _l("Thủ tục mức độ 4 (toàn trình)"),
    "eligible": _l("Thủ tục đủ điều kiện trực tuyến toàn trình"),
    "eligible_level4": _l("Thủ tục đủ điều kiện đã cung cấp toàn trình"),
}
#: Whether a sub-criterion of the index could be measured.
INDEX_STATE_LABELS = {
    "unmeasured": _l("Không đo được từ hệ thống này"),
    "no_data": _l("Chưa có số liệu trong kỳ"),
    "scored": _l("Đã tính điểm"),
}

#: The groups of the service index of Quyết định 766/QĐ-TTg (``portal/catalogue/data/qd766.yaml``).
QD766_GROUP_LABELS = {
    "transparency": _l("Công khai, minh bạch"),
    "progress": _l("Tiến độ giải quyết"),
    "online_services": _l("Dịch vụ công trực tuyến"),
    "online_payment": _l("Thanh toán trực tuyến"),
    "satisfaction": _l("Mức độ hài lòng"),
    "digitisation": _l("Số hóa hồ sơ"),
}

#: Kinds of reporting period (``portal.statistics.periods.KINDS``), as the dashboard offers them.
PERIOD_KIND_LABELS = {
    "month": _l("Tháng"),
    "quarter": _l("Quý"),
    "half": _l("6 tháng đầu năm"),
    "nine_months": _l("9 tháng đầu năm"),
    "year": _l("Năm"),
    "custom": _l("Khoảng ngày tự chọn"),
}

#: One period named (``Period.label``); a custom range is shown as its two days.
PERIOD_TITLES = {
    "month": _l("Tháng %(number)s/%(year)s"),
    "quarter": _l("Quý %(number)s/%(year)s"),
    "half": _l("6 tháng đầu năm %(year)s"),
    "nine_months": _l("9 tháng đầu năm %(year)s"),
    "year": _l("Năm %(year)s"),
}
#: A named period on the reporting cut-off of Nghị định 09/2019/NĐ-CP, with its days.
PERIOD_CUTOFF_TITLE = _l("%(title)s (chốt số liệu %(days)s)")
#: How a named period is counted (``portal.statistics.periods.BASES``).
PERIOD_BASIS_LABELS = {
    "calendar": _l("Theo lịch (từ ngày đầu đến ngày cuối kỳ)"),
    "nd09": _l("Theo thời gian chốt số liệu của Nghị định 09/2019/NĐ-CP (ngày 15 kỳ trước đến ngày 14)"),
}

#: Where a plan target is measured (``PlanTarget.scope``).
TARGET_SCOPE_LABELS = {
    "province": _l("Toàn tỉnh"),
    "agency": _l("Cơ quan"),
    "commune": _l("Thủ tục cấp xã"),
}

#: A plan target against its figure (``portal.statistics.targets``).
VERDICT_LABELS = {
    formulas.MET: _l("Đạt"),
    formulas.NOT_MET: _l("Chưa đạt"),
    formulas.EXCEEDED: _l("Vượt"),
    formulas.NO_DATA: _l("Chưa có số liệu"),
}

#: The attributes of a procedure an administrator changes (keys of its catalogue entry).
PROCEDURE_ATTRIBUTE_LABELS = {
    "name_vi": _l("Tên thủ tục"), "name_en": _l("Tên thủ tục (tiếng Anh)"),
    "national_code": _l("Mã thủ tục trên Cơ sở dữ liệu quốc gia"), "level": _l("Mức độ dịch vụ công"),
    "processing_days": _l("Thời hạn giải quyết"), "online_processing_days": _l("Thời hạn khi nộp trực tuyến"),
    "remote_processing_days": _l("Thời hạn ở vùng sâu, vùng xa"), "permit": _l("Thủ tục cấp phép"),
    "clock_rules": _l("Quy tắc tạm dừng thời hạn"),
    "fee": _l("Phí, lệ phí"), "legal_basis": _l("Căn cứ pháp lý"), "conditions_vi": _l("Yêu cầu, điều kiện"),
    "conditions_en": _l("Yêu cầu, điều kiện (tiếng Anh)"), "applicants_vi": _l("Đối tượng thực hiện"),
    "result_vi": _l("Kết quả thực hiện"), "result_en": _l("Kết quả thực hiện (tiếng Anh)"),
    "documents": _l("Thành phần hồ sơ"), "form": _l("Các trường của tờ khai điện tử"),
    "steps": _l("Quy trình nội bộ"), "is_published": _l("Công bố trên Cổng Dịch vụ công"),
    "field": _l("Lĩnh vực"), "agency": _l("Cơ quan"), "result_delivery": _l("Cách nhận kết quả"),
    "source": _l("Nguồn"), "seed_item": _l("Số thứ tự trong danh mục"), "seed_name": _l("Tên trong danh mục gốc"),
    "code": _l("Mã thủ tục"),
}

#: Where a piece of a citizen's profile came from (``portal.models.user.DataSource``).
DATA_SOURCE_LABELS = {
    "vneid": _l("VNeID (định danh điện tử)"),
    "population_registry": _l("Cơ sở dữ liệu quốc gia về dân cư"),
    "citizen": _l("do công dân tự khai"),
}

#: Why the population database was asked (``portal.operations.citizen_registry.Purpose``).
REGISTRY_PURPOSE_LABELS = {
    "registration": _l("Đăng ký tài khoản"),
    "profile": _l("Xác minh thông tin tài khoản"),
    "filing_prefill": _l("Điền sẵn tờ khai"),
    "filing": _l("Xác minh người nộp hồ sơ"),
    "officer_check": _l("Cán bộ tra cứu"),
}

#: What the population database answered (``citizen_registry.Outcome``).
REGISTRY_OUTCOME_LABELS = {
    "confirmed": _l("Khớp, đã xác minh"),
    "mismatch": _l("Họ tên không khớp"),
    "not_found": _l("Không có số định danh"),
    "unavailable": _l("Không phản hồi"),
}

#: What an audit entry records (``portal.operations.audit``), as the administrators' log shows it.
AUDIT_ACTION_LABELS = {
    "account.created": _l("Tạo tài khoản"),
    "account.updated": _l("Sửa thông tin tài khoản"),
    "account.role_changed": _l("Đổi vai trò, cơ quan"),
    "account.locked": _l("Khóa tài khoản"),
    "account.unlocked": _l("Mở khóa tài khoản"),
    "account.registered": _l("Công dân đăng ký tài khoản"),
    "account.duplicate_registration": _l("Đăng ký trùng số định danh"),
    "account.password_changed": _l("Đổi mật khẩu"),
    "account.password_change_failed": _l("Đổi mật khẩu không thành công"),
    "account.password_reset_started": _l("Cấp mã đặt lại mật khẩu"),
    "account.password_reset_completed": _l("Đặt lại mật khẩu"),
    "account.password_reset_refused": _l("Mã đặt lại mật khẩu sai"),
    "account.sessions_ended": _l("Kết thúc mọi phiên đăng nhập"),
    "account.totp_enrolled": _l("Bật xác thực hai bước"),
    "account.totp_reset": _l("Đặt lại xác thực hai bước"),
    "auth.login": _l("Đăng nhập"),
    "auth.password_accepted": _l("Mật khẩu đúng, chờ mã xác thực"),
    "auth.logout": _l("Đăng xuất"),
    "auth.failed": _l("Đăng nhập sai"),
    "auth.throttled": _l("Đăng nhập bị tạm chặn"),
    "auth.totp_failed": _l("Mã xác thực sai"),
    "api.token_issued": _l("Cấp mã truy cập API"),
    "api.token_revoked": _l("Thu hồi mã truy cập API"),
    "audit.anchored": _l("Neo nhật ký hồ sơ"),
    "calendar.override_set": _l("Điều chỉnh lịch làm việc"),
    "calendar.override_removed": _l("Bỏ điều chỉnh lịch làm việc"),
    "calendar.working_hours_set": _l("Đặt giờ làm việc"),
    "catalogue.loaded": _l("Nạp danh mục thủ tục"),
    "pki.ca_created": _l("Tạo CA ký số"),
    "pki.certificate_issued": _l("Cấp chứng thư số"),
    "pki.certificate_imported": _l("Nhập chứng thư số"),
    "pki.certificate_revoked": _l("Thu hồi chứng thư số"),
    "account.created_for_national_dossier": _l("Tạo tài khoản cho người nộp qua Cổng DVC quốc gia"),
    "agency.created": _l("Thêm cơ quan"),
    "agency.updated": _l("Sửa thông tin cơ quan"),
    "dossier.result_draft": _l("Tải lên dự thảo kết quả"),
    "dossier.receipt_sent": _l("Gửi giấy tiếp nhận cho người nộp"),
    "feedback.create": _l("Công dân gửi phản ánh, kiến nghị"),
    "feedback.assign": _l("Phân công xử lý phản ánh, kiến nghị"),
    "feedback.answer": _l("Trả lời phản ánh, kiến nghị"),
    "outbox.retry": _l("Gửi lại thông điệp đồng bộ"),
    "plan_target.load": _l("Nạp chỉ tiêu kế hoạch"),
    "catalogue_entries.import": _l("Nạp danh mục thủ tục hành chính của tỉnh"),
    "stats.report_push": _l("Gửi báo cáo định kỳ lên Cổng Dịch vụ công quốc gia"),
    "plan_target.update": _l("Sửa chỉ tiêu kế hoạch"),
    "procedure.changed": _l("Sửa thủ tục (phiên bản mới)"),
    "signing.remote_prepared": _l("Chuẩn bị ký số từ xa"),
    "signing.remote_completed": _l("Hoàn tất ký số từ xa"),
    "signing.result_signed": _l("Ký số kết quả theo quyết định của lãnh đạo"),
    "signing.result_cancelled": _l("Hủy ký số kết quả (hồ sơ đã rút hoặc dừng xử lý sau khi duyệt)"),
    "account.vneid_linked": _l("Liên kết tài khoản với VNeID"),
    "auth.vneid_link_needed": _l("Đăng nhập VNeID chờ liên kết tài khoản"),
    "auth.vneid_refused": _l("Đăng nhập VNeID bị từ chối"),
    "account.notification_channels": _l("Chọn kênh nhận thông báo"),
    "payment.settled": _l("Ghi nhận kết quả thanh toán"),
    "payment.callback_forged": _l("Từ chối thông báo thanh toán không hợp lệ"),
    "payment.reconciled": _l("Đối soát thanh toán trong ngày"),
    "registry.lookup": _l("Tra cứu CSDL quốc gia về dân cư"),
    "account.registry_confirmed": _l("Cập nhật tài khoản từ CSDL quốc gia về dân cư"),
}

#: The fields an audit entry's before/after shows (``account_changes.snapshot``, ``two_factor.reset``).
AUDIT_FIELD_LABELS = {
    "full_name": _l("Họ và tên"),
    "position": _l("Chức vụ"),
    "role": _l("Vai trò"),
    "agency": _l("Cơ quan"),
    "email": _l("Thư điện tử"),
    "phone": _l("Số điện thoại"),
    "is_active": _l("Trạng thái"),
    "two_factor": _l("Xác thực hai bước"),
    "date_of_birth": _l("Ngày sinh"),
    "address": _l("Địa chỉ thường trú"),
}

#: Yes/no values of the audit log's fields.
AUDIT_VALUE_LABELS = {
    ("is_active", True): _l("Đang hoạt động"), ("is_active", False): _l("Đã khóa"),
    ("two_factor", True): _l("Đã bật"), ("two_factor", False): _l("Chưa bật"),
}

#: Every table by the name templates know it by (``portal.templating`` makes them globals).
TABLES = {
    "STATUS_LABELS": STATUS_LABELS, "CHANNEL_LABELS": CHANNEL_LABELS, "TIMELINESS_LABELS": TIMELINESS_LABELS,
    "EVENT_LABELS": EVENT_LABELS, "ACTION_LABELS": ACTION_LABELS, "ROLE_LABELS": ROLE_LABELS,
    "DELIVERY_LABELS": DELIVERY_LABELS, "RESULT_KIND_LABELS": RESULT_KIND_LABELS,
    "FILE_KIND_LABELS": FILE_KIND_LABELS, "PAYMENT_STATUS_LABELS": PAYMENT_STATUS_LABELS,
    "BANK_STATUS_LABELS": BANK_STATUS_LABELS, "RATING_LABELS": RATING_LABELS,
    "FEEDBACK_KIND_LABELS": FEEDBACK_KIND_LABELS, "FEEDBACK_STATUS_LABELS": FEEDBACK_STATUS_LABELS,
    "LEVEL_LABELS": LEVEL_LABELS, "AGENCY_LEVEL_LABELS": AGENCY_LEVEL_LABELS, "ORIGINAL_LABELS": ORIGINAL_LABELS,
    "QD766_GROUP_LABELS": QD766_GROUP_LABELS, "QUEUE_LABELS": QUEUE_LABELS, "FORM_LABELS": FORM_LABELS, "FIGURE_LABELS": FIGURE_LABELS,
    "RATE_LABELS": RATE_LABELS, "GROUP_LABELS": GROUP_LABELS, "PERIOD_KIND_LABELS": PERIOD_KIND_LABELS,
    "PERIOD_TITLES": PERIOD_TITLES, "PERIOD_BASIS_LABELS": PERIOD_BASIS_LABELS,
    "TARGET_SCOPE_LABELS": TARGET_SCOPE_LABELS, "DOSSIER_SET_LABELS": DOSSIER_SET_LABELS,
    "PROCEDURE_SET_LABELS": PROCEDURE_SET_LABELS, "CATALOGUE_MEASURE_LABELS": CATALOGUE_MEASURE_LABELS,
    "INDEX_STATE_LABELS": INDEX_STATE_LABELS, "VERDICT_LABELS": VERDICT_LABELS,
    "PROCEDURE_ATTRIBUTE_LABELS": PROCEDURE_ATTRIBUTE_LABELS,
    "SOURCE_LABELS": SOURCE_LABELS,
    "OUTBOX_CHANNEL_LABELS": OUTBOX_CHANNEL_LABELS,
    "AUDIT_ACTION_LABELS": AUDIT_ACTION_LABELS, "AUDIT_FIELD_LABELS": AUDIT_FIELD_LABELS,
    "AUDIT_VALUE_LABELS": AUDIT_VALUE_LABELS, "RECONCILIATION_LABELS": RECONCILIATION_LABELS,
    "DATA_SOURCE_LABELS": DATA_SOURCE_LABELS, "REGISTRY_PURPOSE_LABELS": REGISTRY_PURPOSE_LABELS,
    "REGISTRY_OUTCOME_LABELS": REGISTRY_OUTCOME_LABELS,
}
