"""People-facing text for account errors, shared by the pages and the API."""

from flask_babel import lazy_gettext as _l

ACCOUNT_MESSAGES = {
    "username_invalid": _l("Tên đăng nhập dài 3-64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."),
    "username_taken": _l("Tên đăng nhập này đã có người sử dụng."),
    "id_number_taken": _l("Số định danh cá nhân này đã được dùng để đăng ký một tài khoản khác."),
    "password_too_short": _l("Mật khẩu quá ngắn."),
    "password_too_simple": _l("Mật khẩu phải có cả chữ và số."),
    "full_name_required": _l("Vui lòng nhập họ và tên."),
    "unknown_role": _l("Vai trò không tồn tại."),
    "unknown_agency": _l("Không tìm thấy cơ quan với mã này."),
    "agency_required": _l("Cán bộ phải thuộc một cơ quan."),
    "invalid_credentials": _l("Tên đăng nhập hoặc mật khẩu không đúng."),
    "throttled": _l("Bạn đã đăng nhập sai quá nhiều lần. Vì an toàn, vui lòng thử lại sau 15 phút."),
}

CITIZEN_ID_MESSAGES = {
    "digits": _l("Số định danh cá nhân chỉ gồm chữ số."),
    "length": _l("Số định danh cá nhân phải có đúng 12 chữ số."),
    "province": _l("Ba chữ số đầu không phải mã tỉnh, thành phố hợp lệ."),
    "birth_year": _l("Số định danh cá nhân không hợp lệ (năm sinh mã hóa trong số không đúng)."),
}
