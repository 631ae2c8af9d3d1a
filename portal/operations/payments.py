"""Fee payments of dossiers: start one with the gateway, and confirm it from a signed callback.

A callback (the browser coming back from the provider, or the provider's server notification)
is accepted once: a forged one (bad signature, wrong amount, unknown reference) is rejected and
changes nothing; a second one for a payment already settled is a duplicate and changes nothing.
A confirmed payment marks the dossier's fee as paid and, when the agency was waiting for it,
moves the dossier on through the lifecycle (``pay_fee``, recorded as the applicant's action).

Every forged callback is audited (``payment.callback_forged``, the entry is kept although the
request is refused) and every settlement too (``payment.settled``, with its source: the
browser's return, the provider's notification, or a status query). A payment whose answer never
came back (the citizen closed the page, the notification was lost) is settled by
``check_pending`` (``flask payments check-pending``), which asks the provider. ``reconcile`` is
the daily report comparing the provider's listing with our payments and their dossiers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, User
from portal.models.filing import Payment, PaymentStatus
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.filing import FilingError, own_dossier
from portal.operations.lifecycle import ActionInput, perform
from portal.payments.gateway import (
    BadSignature,
    CallbackResult,
    Discrepancy,
    ForgedCallback,
    GatewayStatus,
    InvalidContent,
    PaymentGateway,
    PaymentRequest,
    ProviderUnavailable,
)
from workflow.calendar import VN_TZ
from workflow.states import Action, Status


class DuplicateCallback(FilingError):
    """A callback for a payment already settled: changes nothing. ``same``: it says what was
    recorded (a repeat the provider may send again and again), not something else."""

    def __init__(self, payment: Payment, same: bool = False):
        super().__init__("payment_duplicate", 409)
        self.payment = payment
        self.same = same


class ForgedPaymentCallback(FilingError):
    """A callback whose signature or content does not check out. Nothing is changed, but the
    attempt's audit entry is kept."""

    keeps_changes = True


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
    order_code = dossier.code or str(dossier.id)
    description = f"Phi, le phi ho so {order_code}"
    try:
        url = gateway.start(PaymentRequest(payment.reference, payment.amount, description, return_url, order_code))
    except ProviderUnavailable:
        raise FilingError("payment_provider_unavailable", 503) from None
    return payment, url


def _payment_for_update(reference: str) -> Payment | None:
    query = select(Payment).where(Payment.reference == reference)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def _forged(gateway: PaymentGateway, source: str, reason: str, address: str | None,
            reference: str | None = None, status: int = 400) -> ForgedPaymentCallback:
    """The refusal of a callback that does not check out, with its audit entry (kept)."""
    audit.record("payment.callback_forged", actor=f"payment:{gateway.name}", object_type="payment",
                 object_id=(reference or "")[:64] or None, address=address, source=source, reason=reason)
    return ForgedPaymentCallback("payment_forged", status)


def handle_callback(params, gateway: PaymentGateway, *, source: str = "return", address: str | None = None) -> Payment:
    """Settle a payment from a callback signed over its parameters (the browser's return, the
    sandbox's notification); see the module docstring."""
    try:
        result = gateway.parse_callback(params)
    except ForgedCallback as error:
        raise _forged(gateway, source, str(error), address, str(params.get("reference", "")) or None) from None
    return settle(result, gateway, source=source, address=address)


def handle_notification(headers, body: bytes, gateway: PaymentGateway, *, address: str | None = None) -> Payment:
    """Settle a payment from the provider's server-to-server notification, signed in its headers
    (the national platform). A bad signature is a 401; another merchant or not JSON a 400; missing
    or malformed fields a 422; all audited."""
    try:
        result = gateway.parse_notification(headers, body)
    except BadSignature as error:
        raise _forged(gateway, "notification", str(error), address, status=401) from None
    except InvalidContent as error:
        raise _forged(gateway, "notification", str(error), address, status=422) from None
    except ForgedCallback as error:
        raise _forged(gateway, "notification", str(error), address, status=400) from None
    return settle(result, gateway, source="notification", address=address)


def settle(result: CallbackResult, gateway: PaymentGateway, *, source: str, address: str | None = None) -> Payment:
    """Record the provider's decision ``result`` (already authenticated) on our payment, once;
    the provider's status query must say the same thing."""
    payment = _payment_for_update(result.reference)
    if payment is None or payment.amount != result.amount or payment.provider != gateway.name:
        raise _forged(gateway, source, "unknown reference or amount", address, result.reference)
    if payment.status != PaymentStatus.PENDING:
        raise DuplicateCallback(payment, same=_same(payment, result))
    # Trust but verify: the provider's own ledger must say the same thing.
    try:
        confirmed = gateway.query(payment.reference)
    except ProviderUnavailable:
        raise FilingError("payment_provider_unavailable", 503) from None
    if (confirmed is None or confirmed.status != result.status or confirmed.transaction_id != result.transaction_id
            or confirmed.amount != result.amount):
        raise _forged(gateway, source, "not confirmed by the provider's status query", address, result.reference)
    return _record(payment, result, source)


def _same(payment: Payment, result: CallbackResult) -> bool:
    """Whether a settled payment already records what ``result`` says (a harmless repeat)."""
    status = PaymentStatus.PAID if result.status == GatewayStatus.APPROVED else PaymentStatus.FAILED
    return payment.status == status and payment.provider_transaction == result.transaction_id


def _record(payment: Payment, result: CallbackResult, source: str) -> Payment:
    """The decision on a pending payment: failed, or paid (the dossier's fee paid, and the
    lifecycle moved on when the agency was waiting for it)."""
    now = utcnow()
    payment.provider_transaction = result.transaction_id
    payment.completed_at = now
    audit.record("payment.settled", actor=f"payment:{payment.provider}", object_type="payment", object_id=payment.id,
                 reference=payment.reference, transaction_id=result.transaction_id, amount=payment.amount,
                 status=result.status, source=source)
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


# ---------------------------------------------------------------------------------------------
# Payments left pending (the citizen closed the page, the notification was lost)


@dataclass
class PendingCheck:
    checked: int = 0
    paid: int = 0
    failed: int = 0
    still_pending: int = 0
    unavailable: int = 0


def pending_payments(gateway: PaymentGateway, older_than: timedelta, now: datetime | None = None) -> list[int]:
    """Ids of this provider's payments pending since before ``now - older_than``, oldest first."""
    cutoff = (now or utcnow()) - older_than
    return list(db.session.scalars(select(Payment.id).where(
        Payment.provider == gateway.name, Payment.status == PaymentStatus.PENDING.value,
        Payment.created_at <= cutoff).order_by(Payment.id)))


def check_pending(payment_id: int, gateway: PaymentGateway, outcome: PendingCheck) -> None:
    """Ask the provider about one pending payment and record its decision, if it has one."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        return
    payment = _payment_for_update(payment.reference)
    outcome.checked += 1
    if payment is None or payment.status != PaymentStatus.PENDING:
        return
    try:
        result = gateway.query(payment.reference)
    except ProviderUnavailable:
        outcome.unavailable += 1
        return
    if result is None or result.status == GatewayStatus.PENDING:
        outcome.still_pending += 1
        return
    if result.amount != payment.amount:
        audit.record("payment.callback_forged", actor=f"payment:{gateway.name}", object_type="payment",
                     object_id=payment.reference, source="query", reason="amount differs from the provider's")
        outcome.still_pending += 1
        return
    _record(payment, result, "query")
    if payment.status == PaymentStatus.PAID:
        outcome.paid += 1
    else:
        outcome.failed += 1


# ---------------------------------------------------------------------------------------------
# The daily reconciliation: what the provider says was paid against what the dossiers say


@dataclass
class ReconciliationLine:
    kind: str
    reference: str
    dossier_id: int | None = None
    dossier_code: str | None = None
    provider_amount: int | None = None
    provider_transaction: str | None = None
    provider_paid_at: str | None = None
    portal_amount: int | None = None
    portal_status: str | None = None
    portal_transaction: str | None = None
    portal_paid_at: datetime | None = None


@dataclass
class Reconciliation:
    day: date
    provider: str
    lines: list[ReconciliationLine] = field(default_factory=list)

    @property
    def mismatches(self) -> list[ReconciliationLine]:
        return [line for line in self.lines if line.kind != Discrepancy.MATCHED]

    @property
    def provider_total(self) -> int:
        return sum(line.provider_amount or 0 for line in self.lines)

    @property
    def portal_total(self) -> int:
        return sum(line.portal_amount or 0 for line in self.lines
                   if line.portal_status == PaymentStatus.PAID and line.kind != Discrepancy.NOT_RECORDED)

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in Discrepancy}
        for line in self.lines:
            counts[line.kind] += 1
        return counts


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in Vietnam's time, as UTC instants [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=VN_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _line(kind: Discrepancy, reference: str, payment: Payment | None, item: CallbackResult | None) -> ReconciliationLine:
    line = ReconciliationLine(kind.value, reference)
    if item is not None:
        line.provider_amount, line.provider_transaction, line.provider_paid_at = item.amount, item.transaction_id, item.paid_at
    if payment is not None:
        line.dossier_id, line.dossier_code = payment.dossier_id, payment.dossier.code
        line.portal_amount, line.portal_status = payment.amount, payment.status
        line.portal_transaction, line.portal_paid_at = payment.provider_transaction, payment.completed_at
    return line


def reconcile(day: date, gateway: PaymentGateway, *, user: User | None = None, address: str | None = None) -> Reconciliation:
    """Compare the provider's listing of ``day`` with our payments settled that day and their
    dossiers. Changes nothing but the audit log; ``ProviderUnavailable`` when the provider does
    not answer."""
    listed = [item for item in gateway.settled_on(day) if item.status == GatewayStatus.APPROVED]
    report = Reconciliation(day, gateway.name)
    seen: set[str] = set()
    for item in listed:
        seen.add(item.reference)
        payment = by_reference(item.reference)
        if payment is None or payment.provider != gateway.name:
            kind = Discrepancy.UNKNOWN_REFERENCE
            payment = None
        elif payment.status != PaymentStatus.PAID:
            kind = Discrepancy.NOT_RECORDED
        elif payment.amount != item.amount:
            kind = Discrepancy.AMOUNT_MISMATCH
        elif payment.provider_transaction != item.transaction_id:
            kind = Discrepancy.TRANSACTION_MISMATCH
        elif payment.dossier.fee_paid_at is None:
            kind = Discrepancy.DOSSIER_UNPAID
        else:
            kind = Discrepancy.MATCHED
        report.lines.append(_line(kind, item.reference, payment, item))
    start, end = day_bounds(day)
    ours = db.session.scalars(select(Payment).where(
        Payment.provider == gateway.name, Payment.status == PaymentStatus.PAID.value,
        Payment.completed_at >= start, Payment.completed_at < end).order_by(Payment.id))
    for payment in ours:
        if payment.reference not in seen:
            report.lines.append(_line(Discrepancy.NOT_ON_PROVIDER, payment.reference, payment, None))
    counts = report.counts()
    audit.record("payment.reconciled", user=user, actor=None if user else "system", object_type="reconciliation",
                 object_id=day.isoformat(), address=address, provider=gateway.name, lines=len(report.lines),
                 mismatches=len(report.mismatches), **{k: v for k, v in counts.items() if v})
    return report


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
