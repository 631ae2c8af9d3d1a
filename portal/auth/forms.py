from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal.messages import CITIZEN_ID_MESSAGES
from portal.text import normalize_phone
from workflow.citizen_id import InvalidCitizenId, parse_citizen_id


def citizen_id_valid(form, field):
    try:
        parse_citizen_id(field.data or "")
    except InvalidCitizenId as error:
        raise ValidationError(str(CITIZEN_ID_MESSAGES[error.reason])) from None


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=256)])


class VneidLinkForm(FlaskForm):
    """The local account's password, given once before VNeID opens that account."""

    password = PasswordField(_l("Mật khẩu của tài khoản"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=256)])


class RegistrationForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=255)])
    id_number = StringField(
        _l("Số định danh cá nhân (CCCD, 12 chữ số)"),
        validators=[DataRequired(_l("Vui lòng nhập số định danh cá nhân.")), citizen_id_valid],
    )
    phone = TelField(
        _l("Số điện thoại"), filters=[normalize_phone],
        validators=[DataRequired(_l("Vui lòng nhập số điện thoại.")),
                    Regexp(r"^(\+84|0)\d{9,10}$", message=_l("Số điện thoại gồm 10 số, bắt đầu bằng 0 (ví dụ 0912345678)."))],
    )
    email = EmailField(_l("Thư điện tử (không bắt buộc)"), filters=[lambda value: value.strip().lower() if value else value],
                       validators=[Optional(), Email(_l("Địa chỉ thư điện tử không hợp lệ."), check_deliverability=False), Length(max=255)])
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")),
                    Regexp(r"^[A-Za-z0-9._-]{3,64}$", message=_l("Tên đăng nhập dài 3-64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."))],
    )
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=256)])
    confirm = PasswordField(_l("Nhập lại mật khẩu"),
                            validators=[DataRequired(_l("Vui lòng nhập lại mật khẩu.")), EqualTo("password", _l("Hai mật khẩu không giống nhau."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại.")), Length(max=256)])
    password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")), Length(max=256)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[DataRequired(_l("Vui lòng nhập lại mật khẩu.")), EqualTo("password", _l("Hai mật khẩu không giống nhau."))])


class TotpCodeForm(FlaskForm):
    code = StringField(_l("Mã xác thực (6 chữ số)"),
                       validators=[DataRequired(_l("Vui lòng nhập mã xác thực.")), Length(max=12)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")), Length(max=256)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[DataRequired(_l("Vui lòng nhập lại mật khẩu.")), EqualTo("password", _l("Hai mật khẩu không giống nhau."))])


class ResetCodeForm(NewPasswordForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=64)])
    code = StringField(_l("Mã đặt lại mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mã đặt lại mật khẩu.")), Length(max=64)])


class NotificationChannelsForm(FlaskForm):
    """Where the citizen wants notices about their dossiers (the in-app notice always comes)."""

    email = BooleanField(_l("Thư điện tử"))
    sms = BooleanField(_l("Tin nhắn SMS"))
    zalo = BooleanField(_l("Tin nhắn Zalo"))


class PlainForm(FlaskForm):
    """A button that posts nothing but the CSRF token."""
