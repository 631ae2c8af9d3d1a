"""Citizens' pages after filing: paying the fee online, rating the result, sending feedback."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import client_address
from portal.citizen import forms
from portal.citizen.common import (
    attempt,
    bp,
    citizen_only,
    fail,
    plain_post,
    to_detail,
    with_dossier,
)
from portal.i18n import current_language
from portal.operations import applicant, payments
from portal.operations import feedback as feedback_inbox
from portal.operations.filing import FilingError
from portal.payments import get_gateway
from portal.transaction import refused

# ---------------------------------------------------------------------------------------------
# Fees


@bp.post("/<int:dossier_id>/thanh-toan")
@citizen_only
@with_dossier
def pay(dossier):
    plain_post()
    gateway = get_gateway()
    if gateway is None:
        flash(_("Thanh toán trực tuyến chưa được kết nối. Vui lòng nộp phí tại Bộ phận Một cửa."), "error")
        return to_detail(dossier)
    try:
        _payment, url = payments.start_payment(dossier.id, current_user, gateway,
                                               url_for("citizen.payment_return", _external=True))
    except FilingError as error:
        fail(error)
        return to_detail(dossier)
    return redirect(url)


class PaymentOfAnother(FilingError):
    """The provider's signed answer settled a payment that is not this citizen's: the page is a 404,
    but the settlement is the provider's fact and is kept (as the server-to-server callback would)."""

    keeps_changes = True


def _settled(gateway):
    """The payment the provider's signed answer (in the query string) settles, or had settled."""
    try:
        payment = payments.handle_callback(request.args, gateway, source="return", address=client_address())
    except payments.DuplicateCallback as duplicate:  # already settled: this answer changes nothing
        refused(duplicate)
        payment = duplicate.payment
    if payment.user_id != current_user.id:
        refused(PaymentOfAnother("not_found", 404))
        abort(404)
    return payment


@bp.get("/thanh-toan/ket-qua")
@citizen_only
def payment_return():
    gateway = get_gateway()
    if gateway is None:
        abort(404)
    try:
        payment = _settled(gateway)
    except FilingError as error:
        fail(error)
        return redirect(url_for("citizen.my_dossiers"))
    if payment.status == "paid":
        flash(_("Thanh toán thành công."), "success")
    elif payment.status == "failed":
        flash(_("Thanh toán không thành công. Bạn có thể thử lại."), "error")
    return redirect(url_for("citizen.payment_receipt", payment_id=payment.id))


@bp.get("/thanh-toan/<int:payment_id>")
@citizen_only
def payment_receipt(payment_id: int):
    try:
        payment = payments.own_payment(payment_id, current_user)
    except FilingError:
        abort(404)
    return render_template("citizen/payment.html", payment=payment, dossier=payment.dossier)


# ---------------------------------------------------------------------------------------------
# Rating and feedback


@bp.route("/<int:dossier_id>/danh-gia", methods=["GET", "POST"])
@citizen_only
@with_dossier
def rate(dossier):
    form = forms.RatingForm()
    status = attempt(form.validate_on_submit(),
                     lambda: applicant.rate(dossier.id, current_user, form.level.data, form.comment.data))
    if status is None:
        flash(_("Cảm ơn bạn đã đánh giá."), "success")
        return to_detail(dossier)
    return render_template("citizen/rate.html", dossier=dossier, form=form, rating=applicant.rating_of(dossier)), status


@bp.route("/gop-y", methods=["GET", "POST"])
@citizen_only
def feedback():
    form = forms.FeedbackForm()
    form.agency.choices = [("", _("Không chọn (Trung tâm Phục vụ hành chính công tỉnh)"))] + [
        (a.code, a.name(current_language())) for a in feedback_inbox.agencies()]
    if request.method == "GET" and request.args.get("ma"):
        form.dossier_code.data = request.args["ma"][:40]
    status = attempt(form.validate_on_submit(), lambda: applicant.send_feedback(
        current_user, form.kind.data, form.subject.data, form.body.data, form.dossier_code.data, form.agency.data))
    if status is None:
        flash(_("Đã gửi phản ánh, kiến nghị. Cơ quan sẽ trả lời trong 10 ngày làm việc."), "success")
        return redirect(url_for("citizen.my_dossiers"))
    return render_template("citizen/feedback.html", form=form), status
