"""Fee payments of dossiers: start one with the gateway, and confirm it from a signed callback.

A callback (the browser coming back from the provider, or the provider's server notification)
is accepted once: a forged one (bad signature, wrong amount, unknown reference) is rejected and
changes nothing; a second one for a payment already settled is a duplicate and changes nothing.
A confirmed payment marks the dossier's fee as paid and, when the agency was waiting for it,
moves the dossier on through the lifecycle (``pay_fee``, recorded as the applicant's action).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, User
from portal.models.filing import Payment, PaymentStatus
from portal.models.types import utcnow
from portal.operations.filing import FilingError, own_dossier
from portal.operations.lifecycle import ActionInput, perform
from portal.payments.gateway import ForgedCallback, GatewayStatus, PaymentGateway, PaymentRequest
from workflow.calendar import VN_TZ
from workflow.states import Action, Status


class DuplicateCallback(FilingError):
    def __init__(self, payment: Payment):
        super().__init__("payment_duplicate", 409)
        self.payment = payment


def can_pay_online(dossier: Dossier) -> bool:
    """Level 4 only; the agency has asked for the fee and it is not paid yet."""
    return (dossier.procedure.level >= 4 and (dossier.fee_amount or 0) > 0 and dossier.fee_paid_at is None
            and dossier.status == Status.AWAITING_FEE.value)


def payments_of(dossier: Dossier) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.dossier_id == dossier.id).order_by(Payment.id.desc())))


def start_payment(dossier_id: int, user: User, gateway: PaymentGateway, return_url: str) -> tuple[Payment, str]:
    """A new pending payment of the dossier's fee; returns it and the provider's URL."""
    dossier = own_dossier(dossier_id, user, lock=True)
    if not can_pay_online(dossier):
        raise FilingError("payment_not_due", 409)
    payment = Payment(dossier_id=dossier.id, user_id=user.id, provider=gateway.name,
                      reference="LC" + secrets.token_hex(10).upper(), amount=dossier.fee_amount, status=PaymentStatus.PENDING.value)
    db.session.add(payment)
    db.session.flush()
    description = f"Phi, le phi ho so {dossier.code or dossier.id}"
    url = gateway.start(PaymentRequest(payment.reference, payment.amount, description, return_url))
    return payment, url


def _payment_for_update(reference: str) -> Payment | None:
    query = select(Payment).where(Payment.reference == reference)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def handle_callback(params, gateway: PaymentGateway) -> Payment:
    """Settle a payment from a signed callback; see the module docstring."""
    try:
        result = gateway.parse_callback(params)
    except ForgedCallback:
        raise FilingError("payment_forged", 400) from None
    payment = _payment_for_update(result.reference)
    if payment is None or payment.amount != result.amount or payment.provider != gateway.name:
        raise FilingError("payment_forged", 400)
    if payment.status != PaymentStatus.PENDING:
        raise DuplicateCallback(payment)
    # Trust but verify: the provider's own ledger must say the same thing.
    confirmed = gateway.query(payment.reference)
    if confirmed is None or confirmed.status != result.status or confirmed.transaction_id != result.transaction_id:
        raise FilingError("payment_forged", 400)
    now = utcnow()
    payment.provider_transaction = result.transaction_id
    payment.completed_at = now
    if result.status != GatewayStatus.APPROVED:
        payment.status = PaymentStatus.FAILED.value
        db.session.flush()
        return payment
    payment.status = PaymentStatus.PAID.value
    payment.receipt_number = f"BL{now.astimezone(VN_TZ):%y%m%d}-{payment.id:06d}"
    dossier = db.session.get(Dossier, payment.dossier_id)
    payer = db.session.get(User, payment.user_id)
    with db.session.no_autoflush:
        dossier.fee_paid_at = now
        if dossier.status == Status.AWAITING_FEE.value:
            perform(dossier.id, Action.PAY_FEE, payer, ActionInput(payload={
                "payment_reference": payment.reference, "receipt_number": payment.receipt_number,
                "amount": payment.amount, "provider": payment.provider}), now=now)
    db.session.flush()
    return payment


def own_payment(payment_id: int, user: User) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.user_id != user.id:
        raise FilingError("not_found", 404)
    return payment


def by_reference(reference: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.reference == (reference or "")[:64]))


def is_payer(reference: str, user: User) -> bool:
    """Whether ``user`` pays the payment ``reference``: the applicant of its dossier, no one else
    (the provider's page of a payment opens for the payer only)."""
    payment = by_reference(reference)
    return (payment is not None and getattr(user, "is_authenticated", False)
            and payment.dossier.applicant_id is not None and payment.dossier.applicant_id == user.id)
