"""The payment-gateway interface: start a payment, check a callback, query a transaction."""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

CALLBACK_FIELDS = ("reference", "transaction_id", "amount", "status")


class GatewayStatus(StrEnum):
    """The provider's answer about a transaction (callbacks, queries, the sandbox bank's ledger)."""

    PENDING = "pending"  # the payer has not decided yet
    APPROVED = "approved"
    DECLINED = "declined"


class Discrepancy(StrEnum):
    """One line of the daily reconciliation report (``portal.operations.payments.reconcile``)."""

    MATCHED = "matched"
    AMOUNT_MISMATCH = "amount_mismatch"  # both paid, not the same amount
    TRANSACTION_MISMATCH = "transaction_mismatch"  # both paid, not the same transaction
    NOT_RECORDED = "not_recorded"  # the provider says paid; our payment is pending or failed
    UNKNOWN_REFERENCE = "unknown_reference"  # the provider says paid; we know no such payment
    NOT_ON_PROVIDER = "not_on_provider"  # we say paid that day; the provider does not list it
    DOSSIER_UNPAID = "dossier_unpaid"  # both paid, but the dossier does not show its fee as paid


#: The answers a callback may carry: a decision.
DECIDED = frozenset({GatewayStatus.APPROVED, GatewayStatus.DECLINED})


class ForgedCallback(Exception):
    """A callback whose signature or content does not check out."""


class BadSignature(ForgedCallback):
    """A message whose signature is missing, wrong or stale."""

    def __init__(self, detail: str = "bad signature"):
        super().__init__(detail)


class InvalidContent(ForgedCallback):
    """An authentic message whose fields are missing or malformed."""


class ProviderUnavailable(Exception):
    """The provider did not answer (network, timeout, 5xx) or answered something unusable."""


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # ours, unique per attempt
    amount: int  # VND
    description: str
    return_url: str  # where the provider sends the citizen's browser back
    order_code: str = ""  # the dossier's code (or id before it has one), shown on the provider's page


@dataclass(frozen=True)
class CallbackResult:
    reference: str
    transaction_id: str
    amount: int
    status: str  # a GatewayStatus
    paid_at: str | None = None  # ISO 8601, when the provider says (the platform's ledger)


def canonical(params: Mapping[str, str]) -> str:
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha256).hexdigest()


class PaymentGateway(ABC):
    name: str
    #: Whether ``settled_on`` lists the provider's payments of a day (the daily reconciliation).
    lists_settlements = False

    @abstractmethod
    def start(self, request: PaymentRequest) -> str:
        """Register the payment with the provider; return the URL to send the citizen to."""

    @abstractmethod
    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult:
        """Check a callback (browser return or server notification); ``ForgedCallback`` if bad."""

    @abstractmethod
    def query(self, reference: str) -> CallbackResult | None:
        """Ask the provider for the transaction's current status (None: unknown to it)."""

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> CallbackResult:
        """Check a server-to-server notification whose signature is in its headers (providers that
        send one); ``ForgedCallback`` if bad. Providers signing their parameters only refuse it."""
        raise ForgedCallback("this provider signs its parameters, not its messages")

    def settled_on(self, day) -> list[CallbackResult]:
        """What the provider says was paid on ``day`` (a date in Vietnam's time), for the daily
        reconciliation; ``ProviderUnavailable`` when it cannot tell."""
        raise ProviderUnavailable("this provider has no reconciliation listing")


class SignedCallbackGateway(PaymentGateway):
    """Providers whose callbacks are HMAC-SHA256 signed over the sorted ``key=value`` pairs."""

    def __init__(self, secret: str):
        if not secret:
            raise ValueError("a payment gateway needs a secret")
        self.secret = secret

    def sign(self, params: Mapping[str, str]) -> str:
        return sign(params, self.secret)

    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult:
        values = {key: str(params.get(key, "")) for key in CALLBACK_FIELDS}
        signature = str(params.get("signature", ""))
        if not signature or any(not values[key] for key in CALLBACK_FIELDS):
            raise ForgedCallback("missing fields")
        # Bytes, not str: compare_digest refuses non-ASCII strings, and a forged callback may carry any.
        if not hmac.compare_digest(self.sign(values).encode(), signature.encode("utf-8", "replace")):
            raise ForgedCallback("bad signature")
        if not values["amount"].isdigit() or values["status"] not in DECIDED:
            raise ForgedCallback("bad content")
        return CallbackResult(values["reference"], values["transaction_id"], int(values["amount"]), values["status"])
