"""The sandbox bank's pages (development and tests only; a real provider has its own site).

A payment's page opens for its payer only (the dossier's applicant); to anyone else it is a 404."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.operations.payments import is_payer
from portal.payments import get_gateway
from portal.payments.sandbox import SandboxGateway

bp = Blueprint("sandbox_bank", __name__, url_prefix="/ngan-hang-thu-nghiem", template_folder="templates")


class DecisionForm(FlaskForm):
    pass


def _transaction(transaction_id: str):
    gateway = get_gateway()
    if not isinstance(gateway, SandboxGateway):
        abort(404)
    row = gateway.transaction(transaction_id)
    if row is None or not is_payer(row.merchant_reference, current_user):
        abort(404)  # only the payer (the dossier's applicant) sees the bank's page of a payment
    return gateway, row


@bp.route("/<transaction_id>", methods=["GET", "POST"])
def pay(transaction_id: str):
    gateway, row = _transaction(transaction_id)
    form = DecisionForm()
    if form.validate_on_submit():
        params = gateway.decide(row, approve=request.form.get("decision") == "approve")
        return redirect(gateway.return_url(row, params))
    return render_template("payments/sandbox_bank.html", row=row, form=form)
