from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from portal.labels import GROUP_LABELS, PERIOD_BASIS_LABELS, PERIOD_KIND_LABELS


class StatsFilterForm(FlaskForm):
    """GET filter of the dashboard (no CSRF: it changes nothing). ``until`` is the last day
    included, as people say it; the period itself is half-open (portal.statistics.periods)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kỳ báo cáo"), choices=[SelectChoice(k, v) for k, v in PERIOD_KIND_LABELS.items()],
                       default="year")
    basis = SelectField(_l("Cách chốt số liệu"), choices=[SelectChoice(k, v) for k, v in PERIOD_BASIS_LABELS.items()],
                        default="calendar")
    year = IntegerField(_l("Năm"), validators=[Optional(), NumberRange(2000, 2100)])
    number = SelectField(_l("Tháng hoặc quý"), choices=[SelectChoice("", "—")] + [
        SelectChoice(str(n), str(n)) for n in range(1, 13)], default="", validate_choice=False)
    start = DateField(_l("Từ ngày"), validators=[Optional()])
    until = DateField(_l("Đến hết ngày"), validators=[Optional()])
    group_by = SelectField(_l("Nhóm theo"), choices=[SelectChoice(k, v) for k, v in GROUP_LABELS.items()],
                           default="agency")
    agency = SelectField(_l("Cơ quan"), choices=[], validate_choice=False)
    field = SelectField(_l("Lĩnh vực"), choices=[], validate_choice=False)


class TargetForm(FlaskForm):
    comparator = SelectField(_l("Phép so sánh"), choices=[SelectChoice(">=", _l("Từ ... trở lên (≥)")),
                                                          SelectChoice("<=", _l("Không quá (≤)"))])
    target_value = DecimalField(_l("Giá trị chỉ tiêu"), places=2,
                                validators=[DataRequired(_l("Nhập giá trị chỉ tiêu.")),
                                            NumberRange(0, 1_000_000, _l("Giá trị phải từ 0 trở lên."))])
    deadline_year = IntegerField(_l("Năm phải đạt"), validators=[
        DataRequired(_l("Nhập năm phải đạt.")), NumberRange(2000, 2100, _l("Năm không hợp lệ."))])
