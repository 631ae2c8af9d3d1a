from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class CalendarOverrideForm(FlaskForm):
    day = DateField(_l("Ngày"), validators=[DataRequired(_l("Vui lòng chọn ngày."))])
    kind = SelectField(_l("Loại điều chỉnh"), choices=[
        SelectChoice("day_off", _l("Ngày nghỉ (nghỉ bù, nghỉ thêm theo thông báo)")),
        SelectChoice("working_day", _l("Ngày làm việc (làm bù vào thứ Bảy, Chủ nhật)")),
    ])
    note = StringField(_l("Căn cứ (số, ngày văn bản thông báo)"),
                       validators=[DataRequired(_l("Vui lòng ghi căn cứ.")), Length(max=500)])


class RemoveOverrideForm(FlaskForm):
    day = HiddenField(validators=[DataRequired()])


class WorkingHoursForm(FlaskForm):
    morning_start = StringField(_l("Buổi sáng từ"), validators=[DataRequired(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])
    morning_end = StringField(_l("đến"), validators=[DataRequired(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])
    afternoon_start = StringField(_l("Buổi chiều từ"), validators=[DataRequired(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])
    afternoon_end = StringField(_l("đến"), validators=[DataRequired(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])


class AgencyForm(FlaskForm):
    """An agency as administrators edit it (the rules are in ``portal.operations.agencies``)."""

    name_vi = StringField(_l("Tên cơ quan (tiếng Việt)"), validators=[DataRequired(_l("Vui lòng nhập tên cơ quan.")),
                                                                   Length(max=255)])
    name_en = StringField(_l("Tên cơ quan (tiếng Anh)"), validators=[DataRequired(_l("Vui lòng nhập tên tiếng Anh.")),
                                                                  Length(max=255)])
    code = StringField(_l("Mã quản trị"), validators=[DataRequired(_l("Vui lòng nhập mã quản trị.")), Length(max=64)])
    identifier = StringField(_l("Mã định danh điện tử"),
                             validators=[DataRequired(_l("Vui lòng nhập mã định danh.")), Length(max=32)])
    level = SelectField(_l("Cấp"))
    parent_id = SelectField(_l("Cơ quan cấp trên"), coerce=int)
    governing_body = StringField(_l("Dòng cơ quan chủ quản in trên biểu mẫu"), validators=[Length(max=255)])
    printed_name = StringField(_l("Tên cơ quan in trên biểu mẫu"), validators=[Length(max=255)])
    place_name = StringField(_l("Địa danh ghi ngày tháng"), validators=[Length(max=100)])
    document_symbol = StringField(_l("Chữ viết tắt tên cơ quan trong số văn bản"), validators=[Length(max=32)])
    one_stop_unit_id = SelectField(_l("Đơn vị một cửa tiếp nhận hồ sơ"), coerce=int)
    phone = StringField(_l("Điện thoại"), validators=[Length(max=32)])
    email = StringField(_l("Thư điện tử"), validators=[Length(max=255)])
    address = StringField(_l("Địa chỉ"), validators=[Length(max=500)])
    morning_start = StringField(_l("Buổi sáng từ"), validators=[Optional(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])
    morning_end = StringField(_l("Buổi sáng đến"), validators=[Optional(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])
    afternoon_start = StringField(_l("Buổi chiều từ"),
                                  validators=[Optional(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])
    afternoon_end = StringField(_l("Buổi chiều đến"),
                                validators=[Optional(), Regexp(TIME, message=_l("Giờ dạng HH:MM."))])

    HOURS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")

    def working_hours(self) -> list[list[str]] | None:
        """The four hours as periods; None when all are blank (the province's default hours)."""
        values = [(getattr(self, name).data or "").strip() for name in self.HOURS]
        if not any(values):
            return None
        return [[values[0], values[1]], [values[2], values[3]]]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        values = [(getattr(self, name).data or "").strip() for name in self.HOURS]
        if any(values) and not all(values):
            self.morning_start.errors = [*self.morning_start.errors,
                                         _l("Nhập đủ bốn mốc giờ, hoặc để trống cả bốn để dùng giờ chung của tỉnh.")]
            ok = False
        return ok
