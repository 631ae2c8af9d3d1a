"""Forms of online filing. The e-form of a dossier is built from its form snapshot (the
procedure's ``form_schema`` at the version the dossier uses)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from portal.labels import FEEDBACK_KIND_LABELS, RATING_LABELS
from portal.models.filing import FeedbackKind
from portal.text import normalize_phone

PHONE_PATTERN = r"^(\+84|0)\d{9,10}$"
ID_PATTERN = r"^\d{12}$"
PROFILE_FIELDS = ("full_name", "id_number", "phone", "email", "address", "date_of_birth")

# What each field type looks like on a phone: the input and the keyboard it brings up.
INPUT_HINTS = {
    "phone": {"autocomplete": "tel", "inputmode": "tel"},
    "email": {"autocomplete": "email"},
    "id_number": {"inputmode": "numeric"},
    "integer": {"inputmode": "numeric"},
    "money": {"inputmode": "numeric"},
}


def _label(spec: dict, locale: str) -> str:
    return spec.get("label_en") if locale == "en" and spec.get("label_en") else spec.get("label_vi", spec["name"])


def _field(spec: dict, locale: str):
    kind = spec.get("type", "string")
    label = _label(spec, locale)
    required = bool(spec.get("required"))
    presence = [InputRequired(message=_l("Vui lòng nhập mục này."))] if required else [Optional()]
    if kind in ("integer", "money"):
        return IntegerField(label, validators=presence + [NumberRange(min=0, message=_l("Vui lòng nhập số không âm."))],
                            render_kw=INPUT_HINTS[kind])
    if kind == "date":
        presence = [DataRequired(message=_l("Vui lòng nhập ngày."))] if required else [Optional()]
        return DateField(label, validators=presence)
    if kind == "select":
        options = spec.get("options", [])
        choices = [SelectChoice("", _l("— Chọn —"))] + [
            SelectChoice(o["value"], o.get("label_en") if locale == "en" and o.get("label_en") else o.get("label_vi", o["value"]))
            for o in options
        ]
        select_presence = [DataRequired(message=_l("Vui lòng chọn một mục."))] if required else [Optional()]
        return SelectField(label, choices=choices, validators=select_presence, validate_choice=True)
    length = [Length(max=int(spec.get("max_length") or (4000 if kind == "text" else 255)),
                     message=_l("Nội dung quá dài (tối đa %(max)d ký tự)."))]
    if kind == "text":
        return TextAreaField(label, validators=presence + length)
    if kind == "email":
        return EmailField(label, validators=presence + length + [Email(message=_l("Địa chỉ thư điện tử không hợp lệ."))],
                          render_kw=INPUT_HINTS["email"])
    if kind == "phone":
        return TelField(label, filters=[normalize_phone], validators=presence + [Regexp(PHONE_PATTERN, message=_l(
            "Số điện thoại gồm 10-11 chữ số, bắt đầu bằng 0 hoặc +84."))], render_kw=INPUT_HINTS["phone"])
    if kind == "id_number":
        return StringField(label, validators=presence + [Regexp(ID_PATTERN, message=_l(
            "Số định danh cá nhân gồm đúng 12 chữ số."))], render_kw=INPUT_HINTS["id_number"])
    return StringField(label, validators=presence + length)


def dossier_form_class(schema: list[dict], locale: str = "vi", only: set[str] | None = None, csrf: bool = True):
    """A FlaskForm class with one field per e-form field (``only``: a subset, for supplements)."""

    class DossierForm(FlaskForm):
        class Meta:
            pass

    DossierForm.Meta.csrf = csrf
    for spec in schema:
        if only is None or spec["name"] in only:
            setattr(DossierForm, spec["name"], _field(spec, locale))
    DossierForm.specs = [s for s in schema if only is None or s["name"] in only]
    return DossierForm


def prefill(schema: list[dict], user) -> dict:
    """Values from the citizen's profile for the fields that name a ``prefill`` source."""
    values = {}
    for spec in schema:
        source = spec.get("prefill")
        if source in PROFILE_FIELDS and getattr(user, source, None):
            values[spec["name"]] = getattr(user, source)
    return values


def to_form_values(schema: list[dict], data: dict) -> dict:
    """Stored JSON values as Python values for the form (dates back to ``date``)."""
    values = {}
    for spec in schema:
        value = data.get(spec["name"])
        if value in (None, ""):
            continue
        if spec.get("type") == "date" and isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                continue
        values[spec["name"]] = value
    return values


def cleaned(form) -> dict:
    """The form's values as JSON: dates as ISO text, empty values left out."""
    data = {}
    for spec in form.specs:
        value = form[spec["name"]].data
        if value in (None, ""):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, str):
            value = value.strip()
        data[spec["name"]] = value
    return data


def draft_errors(form) -> dict:
    """Errors that matter for a draft: badly formatted values, not missing ones."""
    return {name: errors for name, errors in form.errors.items()
            if name in form._fields and form[name].raw_data and str(form[name].raw_data[0]).strip()}


class NewDossierForm(FlaskForm):
    """The first save of a draft carries a one-time key: a double click creates one draft."""

    idempotency_key = HiddenField()


class SubmitForm(FlaskForm):
    delivery = RadioField(_l("Cách nhận kết quả"), choices=[], validate_choice=False,
                          validators=[DataRequired(message=_l("Vui lòng chọn cách nhận kết quả."))])
    delivery_address = StringField(_l("Địa chỉ nhận kết quả qua bưu chính"), validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(_l("Lý do rút hồ sơ"), validators=[
        DataRequired(message=_l("Vui lòng nêu lý do.")), Length(max=2000)])


class SupplementNoteForm(FlaskForm):
    """Posted together with the e-form subset, which carries the CSRF token."""

    class Meta:
        csrf = False

    version = HiddenField()
    note = TextAreaField(_l("Ghi chú cho cán bộ (không bắt buộc)"), validators=[Optional(), Length(max=2000)])


RATING_CHOICES = [SelectChoice(level.value, label) for level, label in RATING_LABELS.items()]
FEEDBACK_CHOICES = [SelectChoice(kind.value, label) for kind, label in FEEDBACK_KIND_LABELS.items()]


class RatingForm(FlaskForm):
    level = RadioField(_l("Mức độ hài lòng của bạn"), choices=RATING_CHOICES,
                       validators=[DataRequired(message=_l("Vui lòng chọn một mức đánh giá."))])
    comment = TextAreaField(_l("Góp ý thêm (không bắt buộc)"), validators=[Optional(), Length(max=2000)])


class FeedbackForm(FlaskForm):
    kind = RadioField(_l("Loại"), choices=FEEDBACK_CHOICES, default=FeedbackKind.FEEDBACK.value,
                      validators=[DataRequired(message=_l("Vui lòng chọn loại."))])
    dossier_code = StringField(_l("Mã hồ sơ liên quan (nếu có)"), validators=[Optional(), Length(max=40)])
    agency = SelectField(_l("Cơ quan nhận phản ánh"), validators=[Optional()], validate_choice=False)
    subject = StringField(_l("Tiêu đề"), validators=[DataRequired(message=_l("Vui lòng nhập tiêu đề.")), Length(max=255)])
    body = TextAreaField(_l("Nội dung"), validators=[DataRequired(message=_l("Vui lòng nhập nội dung.")), Length(max=8000)])


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = SearchField(_l("Mã hồ sơ"), validators=[DataRequired(message=_l("Vui lòng nhập mã hồ sơ.")), Length(max=40)])
    phone = TelField(_l("Số điện thoại đã khai khi nộp (khi chỉ nhập các số cuối của mã)"), filters=[normalize_phone],
                     validators=[Optional(), Length(max=20)], render_kw=INPUT_HINTS["phone"])


class PlainForm(FlaskForm):
    """A button that only needs the CSRF token (upload, remove, reuse, pay, mark as read)."""
