"""Public page: upload a signed PDF and see whether its signatures are valid."""

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _

from portal.i18n import current_language
from portal.lazy import lazy_module
from portal.storage import sniff_content_type
from portal.verify.forms import VerifyForm

certificates = lazy_module("portal.operations.certificates")  # pyHanko: imported by the first check

bp = Blueprint("verify", __name__, url_prefix="/kiem-tra-chu-ky", template_folder="templates")

DEFAULT_VERIFY_MAX_BYTES = 20 * 1024 * 1024


@bp.route("/", methods=["GET", "POST"])
def index():
    form = VerifyForm()
    data = _uploaded_pdf(form) if form.validate_on_submit() else None
    report = certificates.verify_document(data) if data is not None else None
    status = 422 if form.errors else 200
    return render_template("verify/index.html", form=form, report=report, vn_time=_vn_time,
                           english=current_language() == "en"), status


def _uploaded_pdf(form: VerifyForm) -> bytes | None:
    """The uploaded file when it is a PDF within the size limit; None with the reason on the field."""
    limit = int(current_app.config.get("VERIFY_MAX_BYTES", DEFAULT_VERIFY_MAX_BYTES))
    data = form.file.data.read(limit + 1)
    if len(data) > limit:
        form.file.errors.append(_("Tệp quá lớn (tối đa %(mb)s MB).", mb=limit // (1024 * 1024)))
    elif not data:
        form.file.errors.append(_("Tệp rỗng."))
    elif sniff_content_type(data) != "application/pdf":
        form.file.errors.append(_("Tệp không phải là tài liệu PDF."))
    else:
        return data
    return None


def _vn_time(when) -> str:
    from workflow.calendar import VN_TZ

    return when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S (+07:00)") if when else "—"
