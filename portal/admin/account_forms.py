from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

PHONE = r"^(\+84|0)\d{9,10}$"


class StaffForm(FlaskForm):
    """What an administrator edits on a staff account (``account_changes.update_staff``)."""

    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=255)])
    position = StringField(_l("Chức vụ (không bắt buộc)"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), validators=[DataRequired(_l("Vui lòng chọn vai trò."))])
    agency = SelectField(_l("Cơ quan"), validate_choice=False)
    email = EmailField(_l("Thư điện tử (không bắt buộc)"), validators=[
        Optional(), Email(_l("Địa chỉ thư điện tử không hợp lệ."), check_deliverability=False), Length(max=255)])
    phone = TelField(_l("Số điện thoại (không bắt buộc)"), validators=[
        Optional(), Regexp(PHONE, message=_l("Số điện thoại gồm 10 số, bắt đầu bằng 0 (ví dụ 0912345678)."))])


class NewStaffForm(StaffForm):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_l("Vui lòng nhập tên đăng nhập.")),
        Regexp(r"^[A-Za-z0-9._-]{3,64}$", message=_l("Tên đăng nhập dài 3-64 ký tự, chỉ gồm chữ không dấu, số, "
                                                      "dấu chấm, gạch dưới hoặc gạch ngang."))])


class AccountActionForm(FlaskForm):
    """Lock, unlock, password reset, two-factor reset: a button with its CSRF token."""
