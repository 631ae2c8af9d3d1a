from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

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
