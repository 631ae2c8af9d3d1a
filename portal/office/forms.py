"""WTForms of the one-stop office pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.labels import DELIVERY_LABELS


def as_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select field."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BulkActionForm(FlaskForm):
    """The queue's bulk hand-over (the ticked rows are read from ``selected``: "id:version")."""

    assignee = SelectField(_l("Phân công cho"), choices=[], validators=[Optional()])
    key = HiddenField()

    def set_assignee_choices(self, pairs) -> None:
        self.assignee.choices = as_choices(pairs)


class QueueFilterForm(FlaskForm):
    """The queue's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    queue = HiddenField(default="work")
    q = StringField(_l("Tìm hồ sơ"), validators=[Optional(), Length(max=100)])
    procedure = SelectField(_l("Thủ tục"), choices=[], validators=[Optional()])
    status = SelectField(_l("Trạng thái"), choices=[], validators=[Optional()])
    channel = SelectField(_l("Kênh nộp"), choices=as_choices([
        ("", _l("Tất cả")), ("online", _l("Trực tuyến")), ("in_person", _l("Trực tiếp")),
        ("post", _l("Bưu chính công ích"))]), validators=[Optional()])
    received_from = DateField(_l("Nhận từ ngày"), validators=[Optional()])
    received_to = DateField(_l("Đến ngày"), validators=[Optional()])
    page = IntegerField(default=1, validators=[Optional()])

    def set_procedure_choices(self, pairs) -> None:
        self.procedure.choices = as_choices(pairs)

    def set_status_choices(self, pairs) -> None:
        self.status.choices = as_choices(pairs)


class ActionForm(FlaskForm):
    """One form for every action; the page shows the fields the action needs and the lifecycle
    operation checks the rest (reason, dates, role, step, version)."""

    version = HiddenField(validators=[InputRequired(message=_l("Trang đã cũ; hãy tải lại trang hồ sơ."))])
    idempotency_key = HiddenField(validators=[Optional(), Length(max=100)])
    reason = TextAreaField(_l("Lý do / ý kiến"), validators=[Optional(), Length(max=4000, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    items = TextAreaField(_l("Nội dung cần bổ sung (mỗi dòng một mục)"), validators=[Optional(), Length(max=8000, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    repeat_reason = TextAreaField(_l("Lý do phải yêu cầu bổ sung thêm lần nữa"), validators=[Optional(), Length(max=4000, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    new_due_date = DateField(_l("Ngày hẹn trả mới"), validators=[Optional()])
    new_due_time = TimeField(_l("Giờ hẹn trả mới"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # WTForms' own parse errors are English: say them in the page's language
        for field, message in ((self.new_due_date, _l("Ngày không hợp lệ (ngày/tháng/năm).")),
                               (self.new_due_time, _l("Giờ không hợp lệ (giờ:phút)."))):
            if field.errors:
                field.errors = [message]
        return ok
    # The choices guide the officer; what may be sent is decided by the action itself
    # (``portal.operations.commands``), the same way for the API.
    assignee = SelectField(_l("Chuyển cho"), coerce=str, choices=[], validators=[Optional()], validate_choice=False)
    delivery = SelectField(_l("Hình thức trả kết quả"), choices=as_choices([("", "—"), *DELIVERY_LABELS.items()]),
                           validators=[Optional()], validate_choice=False)
    checked = MultiCheckboxField(_l("Thành phần hồ sơ đã kiểm tra"), choices=[], validators=[Optional()],
                                 validate_choice=False)
    draft = FileField(_l("Dự thảo kết quả (PDF)"))
    generate = BooleanField(_l("Tạo dự thảo từ dữ liệu hồ sơ"))
    remote_area = BooleanField(_l("Vụ việc ở vùng sâu, vùng xa (áp dụng thời hạn dài hơn theo quy định)"))

    def set_document_choices(self, pairs) -> None:
        self.checked.choices = as_choices(pairs)

    def set_assignee_choices(self, pairs) -> None:
        self.assignee.choices = as_choices(pairs)


class DeskRegistrationForm(FlaskForm):
    """Registering a dossier brought in person or by post; scans are file inputs named
    ``scan-<document key>`` and paper-only documents are ticked in ``paper``."""

    idempotency_key = HiddenField(validators=[Optional(), Length(max=100)])
    procedure = SelectField(_l("Thủ tục"), choices=[], validators=[DataRequired(message=_l("Vui lòng chọn thủ tục."))],
                            validate_choice=False)
    channel = SelectField(_l("Kênh nộp"), choices=as_choices([("in_person", _l("Trực tiếp tại Bộ phận Một cửa")),
                                                              ("post", _l("Qua bưu chính công ích"))]),
                          validators=[DataRequired(message=_l("Vui lòng chọn kênh nộp."))], validate_choice=False)
    full_name = StringField(_l("Họ và tên người nộp"), validators=[
        DataRequired(message=_l("Vui lòng nhập họ và tên người nộp.")),
        Length(max=255, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    id_number = StringField(_l("Số định danh cá nhân (CCCD)"),
                            validators=[Optional(), Regexp(r"^(\d{9}|\d{12})$", message=_l("Gồm 9 hoặc 12 chữ số."))])
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=500, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Regexp(r"^\+?[0-9 .]{8,15}$",
                                                                               message=_l("Số điện thoại không hợp lệ."))])
    email = EmailField(_l("Thư điện tử"), validators=[Optional(), Email(message=_l("Địa chỉ thư không hợp lệ."))])
    proxy_name = StringField(_l("Người được ủy quyền nộp (nếu có)"), validators=[Optional(), Length(max=255, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    # Thông tư 03/2025/TT-VPCP: the receipt states the proxy's details and the authorisation.
    proxy_id_number = StringField(_l("Số định danh cá nhân của người được ủy quyền"),
                                  validators=[Optional(), Regexp(r"^(\d{9}|\d{12})$", message=_l("Gồm 9 hoặc 12 chữ số."))])
    proxy_address = StringField(_l("Địa chỉ của người được ủy quyền"), validators=[Optional(), Length(max=500, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    proxy_phone = StringField(_l("Số điện thoại của người được ủy quyền"),
                              validators=[Optional(), Regexp(r"^\+?[0-9 .]{8,15}$", message=_l("Số điện thoại không hợp lệ."))])
    proxy_email = EmailField(_l("Thư điện tử của người được ủy quyền"),
                             validators=[Optional(), Email(message=_l("Địa chỉ thư không hợp lệ."))])
    authorisation = StringField(_l("Văn bản ủy quyền (số, ngày)"), validators=[Optional(), Length(max=500, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])
    paper = MultiCheckboxField(_l("Giấy tờ nhận bản giấy (chưa số hóa)"), choices=[], validators=[Optional()],
                               validate_choice=False)  # an unknown document is the use case's refusal
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000, message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))])

    def set_procedure_choices(self, pairs) -> None:
        self.procedure.choices = as_choices(pairs)

    def set_paper_choices(self, pairs) -> None:
        self.paper.choices = as_choices(pairs)


class RegisterBookForm(FlaskForm):
    class Meta:
        csrf = False

    field = SelectField(_l("Lĩnh vực"), choices=[], validators=[Optional()])
    period_from = DateField(_l("Từ ngày"), validators=[DataRequired()])
    period_to = DateField(_l("Đến ngày"), validators=[DataRequired()])
    format = SelectField(_l("Định dạng"), choices=as_choices([("pdf", "PDF"), ("xlsx", "Excel (XLSX)")]))

    def set_field_choices(self, pairs) -> None:
        self.field.choices = as_choices(pairs)


class FeedbackFilterForm(FlaskForm):
    """The feedback inbox's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Trạng thái"), choices=[], validators=[Optional()])
    overdue = BooleanField(_l("Chỉ phản ánh quá hạn trả lời"))

    def set_status_choices(self, pairs) -> None:
        self.status.choices = as_choices(pairs)


class FeedbackAssignForm(FlaskForm):
    assignee = SelectField(_l("Cán bộ trả lời"), coerce=str, choices=[], validators=[Optional()], validate_choice=False)

    def set_assignee_choices(self, pairs) -> None:
        self.assignee.choices = as_choices(pairs)


class FeedbackAnswerForm(FlaskForm):
    # Emptiness is the use case's rule (the same refusal on every door); the form bounds the size.
    answer = TextAreaField(_l("Nội dung trả lời"), validators=[Optional(), Length(max=8000)])
