"""The sandbox payment provider: a pretend bank inside the portal, for development and tests.

It keeps its own ledger (``sandbox_bank_transactions``), shows its own page where the payer
approves or declines, sends the browser back with an HMAC-signed result, answers status queries,
and can be told to deliver a server-to-server notification. Its secret is
``PAYMENT_SANDBOX_SECRET``.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models.filing import SandboxBankTransaction
from portal.models.types import utcnow
from portal.payments.gateway import (
    CallbackResult,
    GatewayStatus,
    PaymentRequest,
    SignedCallbackGateway,
)


class SandboxGateway(SignedCallbackGateway):
    name = "sandbox"

    # The merchant side ---------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> str:
        row = SandboxBankTransaction(
            merchant_reference=request.reference, transaction_id="SBX" + secrets.token_hex(8).upper(),
            amount=request.amount, description=request.description[:255], return_url=request.return_url[:500],
        )
        db.session.add(row)
        db.session.flush()
        return url_for("citizen.sandbox_bank.pay", transaction_id=row.transaction_id)

    def query(self, reference: str) -> CallbackResult | None:
        row = db.session.scalar(select(SandboxBankTransaction).where(SandboxBankTransaction.merchant_reference == reference))
        if row is None:
            return None
        return CallbackResult(row.merchant_reference, row.transaction_id, row.amount, row.status)

    # The bank side -------------------------------------------------------------------------

    def transaction(self, transaction_id: str) -> SandboxBankTransaction | None:
        return db.session.scalar(select(SandboxBankTransaction).where(SandboxBankTransaction.transaction_id == transaction_id))

    def decide(self, row: SandboxBankTransaction, approve: bool) -> dict:
        """The payer's decision on the bank page; returns the signed callback parameters."""
        if row.status == GatewayStatus.PENDING:
            row.status = GatewayStatus.APPROVED.value if approve else GatewayStatus.DECLINED.value
            row.decided_at = utcnow()
            db.session.flush()
        return self.callback_params(row)

    def callback_params(self, row: SandboxBankTransaction) -> dict:
        params = {"reference": row.merchant_reference, "transaction_id": row.transaction_id,
                  "amount": str(row.amount), "status": row.status}
        params["signature"] = self.sign(params)
        return params

    def return_url(self, row: SandboxBankTransaction, params: dict) -> str:
        separator = "&" if "?" in row.return_url else "?"
        return row.return_url + separator + urlencode(params)
