from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional


class CatalogueSearchForm(FlaskForm):
    """GET search form of the catalogue (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Tìm thủ tục"), validators=[Optional(), Length(max=200)])
    field = SelectField(_l("Lĩnh vực"), choices=[], validate_choice=False)
    agency = SelectField(_l("Cơ quan thực hiện"), choices=[], validate_choice=False)
    level = SelectField(
        _l("Mức độ"),
        choices=[SelectChoice("", _l("Tất cả mức độ")), SelectChoice("3", _l("Mức độ 3 (một phần)")),
                 SelectChoice("4", _l("Mức độ 4 (toàn trình)")), SelectChoice("2", _l("Mức độ 2"))],
        validate_choice=False,
    )
