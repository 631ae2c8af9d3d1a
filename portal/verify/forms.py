from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class VerifyForm(FlaskForm):
    file = FileField(_l("Tệp PDF đã ký số"), validators=[FileRequired(_l("Hãy chọn một tệp PDF."))])
