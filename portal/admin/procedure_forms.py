"""The forms of the procedure administration pages.

List-valued attributes (documents, e-form fields, internal steps) are edited as text, one item a
line, in the very notation of the catalogue files (``- {key: ..., name_vi: ...}``), so one
format and one rule set serve the YAML files and this page; legal bases are one per line.
"""

from __future__ import annotations

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.models import Procedure
from workflow.deadlines import ClockRules

WHOLE = r"^\s*-?\d{1,10}\s*$"
NUMBER_MESSAGE = _l("Nhập một số nguyên.")
LONG_NAME = _l("Tên dài tối đa 500 ký tự.")
LIST_FIELDS = {"documents": "documents", "form": "form_fields", "steps": "steps"}


class ProcedureFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Tìm theo tên hoặc mã"), validators=[Optional(), Length(max=200)])
    agency = SelectField(_l("Cơ quan"), choices=[], validate_choice=False)
    level = SelectField(_l("Mức độ"), choices=[SelectChoice("", _l("Tất cả mức độ")), SelectChoice("2", "2"),
                                                SelectChoice("3", "3"), SelectChoice("4", "4")], validate_choice=False)
    published = SelectField(_l("Công bố"), choices=[
        SelectChoice("", _l("Tất cả")), SelectChoice("yes", _l("Đang công bố")),
        SelectChoice("no", _l("Đã ngừng công bố"))], validate_choice=False)


class ReasonMixin:
    reason = StringField(_l("Lý do thay đổi (số, ngày quyết định công bố)"), validators=[
        DataRequired(_l("Vui lòng nêu lý do thay đổi, ví dụ số quyết định của UBND tỉnh.")),
        Length(max=500, message=_l("Lý do dài tối đa 500 ký tự."))])


class ProcedureForm(ReasonMixin, FlaskForm):
    name_vi = StringField(_l("Tên thủ tục"), validators=[DataRequired(_l("Vui lòng nhập tên thủ tục.")),
                                                         Length(max=500, message=LONG_NAME)])
    name_en = StringField(_l("Tên thủ tục (tiếng Anh)"), validators=[DataRequired(_l("Vui lòng nhập tên tiếng Anh.")),
                                                                      Length(max=500, message=LONG_NAME)])
    national_code = StringField(_l("Mã thủ tục trên Cơ sở dữ liệu quốc gia"),
                                validators=[Optional(), Length(max=32, message=_l("Mã dài tối đa 32 ký tự."))])
    level = SelectField(_l("Mức độ dịch vụ công"), choices=[
        SelectChoice("2", _l("Mức độ 2 (thông tin)")), SelectChoice("3", _l("Mức độ 3 (một phần)")),
        SelectChoice("4", _l("Mức độ 4 (toàn trình)"))])
    processing_days = StringField(_l("Thời hạn giải quyết (ngày làm việc)"),
                                  validators=[DataRequired(NUMBER_MESSAGE), Regexp(WHOLE, message=NUMBER_MESSAGE)])
    online_processing_days = StringField(_l("Thời hạn khi nộp trực tuyến (ngày làm việc, để trống nếu như trên)"),
                                         validators=[Optional(), Regexp(WHOLE, message=NUMBER_MESSAGE)])
    remote_processing_days = StringField(_l("Thời hạn ở vùng sâu, vùng xa (ngày làm việc, để trống nếu như trên)"),
                                         validators=[Optional(), Regexp(WHOLE, message=NUMBER_MESSAGE)])
    permit = BooleanField(_l("Thủ tục cấp giấy phép, giấy chứng nhận, chứng chỉ (tính vào chỉ tiêu cấp phép)"))
    # ClockRules: which waits for the applicant stop the legal clock (both do unless a text says otherwise)
    supplement_pauses = BooleanField(_l("Thời gian chờ công dân bổ sung hồ sơ không tính vào thời hạn giải quyết"))
    fee_pauses = BooleanField(_l("Thời gian chờ công dân nộp phí, lệ phí không tính vào thời hạn giải quyết"))
    fee_amount = StringField(_l("Phí, lệ phí (đồng)"),
                             validators=[DataRequired(NUMBER_MESSAGE), Regexp(WHOLE, message=NUMBER_MESSAGE)])
    fee_text_vi = TextAreaField(_l("Phí, lệ phí (mô tả)"), validators=[DataRequired(_l("Vui lòng mô tả phí, lệ phí."))])
    fee_text_en = TextAreaField(_l("Phí, lệ phí (mô tả tiếng Anh)"), validators=[Optional()])
    fee_basis = TextAreaField(_l("Căn cứ thu phí, lệ phí"), validators=[Optional()])
    legal_basis = TextAreaField(_l("Căn cứ pháp lý (mỗi văn bản một dòng)"),
                                validators=[DataRequired(_l("Cần ít nhất một căn cứ pháp lý."))])
    conditions_vi = TextAreaField(_l("Yêu cầu, điều kiện"), validators=[Optional()])
    conditions_en = TextAreaField(_l("Yêu cầu, điều kiện (tiếng Anh)"), validators=[Optional()])
    applicants_vi = TextAreaField(_l("Đối tượng thực hiện"), validators=[Optional()])
    result_vi = TextAreaField(_l("Kết quả thực hiện"), validators=[Optional()])
    result_en = TextAreaField(_l("Kết quả thực hiện (tiếng Anh)"), validators=[Optional()])
    documents = TextAreaField(_l("Thành phần hồ sơ"))
    form_fields = TextAreaField(_l("Các trường của tờ khai điện tử"))
    steps = TextAreaField(_l("Quy trình nội bộ (vai trò, số giờ)"))
    is_published = BooleanField(_l("Công bố trên Cổng Dịch vụ công"))
    base_version = HiddenField(validators=[Regexp(r"^\d{1,9}$")])

    def show(self, procedure: Procedure) -> None:
        """Fill the form with the live procedure."""
        p = procedure
        for name in ("name_vi", "name_en", "fee_text_vi", "fee_text_en", "fee_basis", "conditions_vi",
                     "conditions_en", "applicants_vi", "result_vi", "result_en", "is_published", "permit"):
            getattr(self, name).data = getattr(p, name)
        self.base_version.data = str(p.version)
        self.national_code.data = p.national_code or ""
        self.level.data = str(p.level)
        self.processing_days.data = str(p.processing_days)
        self.online_processing_days.data = "" if p.online_processing_days is None else str(p.online_processing_days)
        self.remote_processing_days.data = "" if p.remote_processing_days is None else str(p.remote_processing_days)
        self.fee_amount.data = str(p.fee_amount)
        rules = ClockRules.from_mapping(p.clock_rules)
        self.supplement_pauses.data, self.fee_pauses.data = rules.supplement_pauses, rules.fee_pauses
        self.legal_basis.data = "\n".join(p.legal_basis)
        self.documents.data = as_lines([{k: v for k, v in d.items() if k != "template_file"} for d in p.documents])
        self.form_fields.data = as_lines(p.form_schema)
        self.steps.data = as_lines(p.steps)

    def changes(self) -> dict | None:
        """The edited attributes as catalogue values; None (with field errors) when a list does
        not read."""
        lists = {key: parse_lines(getattr(self, name)) for key, name in LIST_FIELDS.items()}
        if any(value is None for value in lists.values()):
            return None
        online = (self.online_processing_days.data or "").strip()
        remote = (self.remote_processing_days.data or "").strip()
        return {
            "name_vi": self.name_vi.data.strip(), "name_en": self.name_en.data.strip(),
            "national_code": (self.national_code.data or "").strip() or None, "level": int(self.level.data),
            "processing_days": int(self.processing_days.data), "online_processing_days": int(online) if online else None,
            "remote_processing_days": int(remote) if remote else None, "permit": bool(self.permit.data),
            "clock_rules": self.clock_rules(),
            "fee": {"amount": int(self.fee_amount.data), "text_vi": _text(self.fee_text_vi),
                    "text_en": _text(self.fee_text_en) or _text(self.fee_text_vi), "basis": _text(self.fee_basis) or None},
            "legal_basis": [line.strip() for line in self.legal_basis.data.splitlines() if line.strip()],
            "conditions_vi": _text(self.conditions_vi), "conditions_en": _text(self.conditions_en),
            "applicants_vi": _text(self.applicants_vi), "result_vi": _text(self.result_vi),
            "result_en": _text(self.result_en), "is_published": bool(self.is_published.data), **lists,
        }


    def clock_rules(self) -> dict | None:
        """The catalogue's ``clock_rules``: only what departs from the rule that both waits stop
        the clock (``None`` when neither does), as the catalogue files write it."""
        ticked = {"supplement_pauses": bool(self.supplement_pauses.data), "fee_pauses": bool(self.fee_pauses.data)}
        return {key: False for key, value in ticked.items() if not value} or None


def _text(field) -> str:
    return (field.data or "").replace("\r\n", "\n").strip()


def as_lines(items: list[dict]) -> str:
    """One ``- {...}`` line per item, in the catalogue files' notation."""
    return "".join("- " + yaml.safe_dump(item, default_flow_style=True, allow_unicode=True, sort_keys=False,
                                         width=1_000_000) for item in items)


class _ListLoader(yaml.SafeLoader):
    """YAML as the catalogue files use it, without aliases (no "billion laughs") and without
    dates (a date-like value stays text, so the entry stays JSON)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", self.peek_event().start_mark)
        return super().compose_node(parent, index)


_ListLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_lines(field) -> list | None:
    """The list written in ``field``; None, with an error naming the line, when it does not read."""
    try:
        value = yaml.load(field.data or "", Loader=_ListLoader)  # a SafeLoader, see above
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        field.errors = [*field.errors, _("Dòng %(line)s: không đọc được. Mỗi dòng là một mục dạng "
                                         "- {khóa: giá trị, khóa: giá trị}; văn bản có dấu phẩy, dấu hai chấm "
                                         "đặt trong ngoặc kép.", line=line)]
        return None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        field.errors = [*field.errors, _("Cần một danh sách: mỗi dòng bắt đầu bằng “- {” và kết thúc bằng “}”.")]
        return None
    return value


class TemplateForm(ReasonMixin, FlaskForm):
    document = SelectField(_l("Thành phần hồ sơ"), choices=[], validate_choice=False)
    file = FileField(_l("Tệp mẫu đơn, tờ khai (PDF, DOC, DOCX, XLS, XLSX, ODT)"))
    remove = BooleanField(_l("Bỏ tệp mẫu hiện có của thành phần này (không tải tệp mới)"))
