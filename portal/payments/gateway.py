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


#: The answers a callback may carry: a decision.
DECIDED = frozenset({GatewayStatus.APPROVED, GatewayStatus.DECLINED})


class ForgedCallback(Exception):
    """A callback whose signature or content does not check out."""


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # ours, unique per attempt
    amount: int  # VND
    description: str
    return_url: str  # where the provider sends the citizen's browser back


@dataclass(frozen=True)
class CallbackResult:
    reference: str
    transaction_id: str
    amount: int
    status: str  # a GatewayStatus


def canonical(params: Mapping[str, str]) -> str:
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha256).hexdigest()


class PaymentGateway(ABC):
    name: str

    @abstractmethod
    def start(self, request: PaymentRequest) -> str:
        """Register the payment with the provider; return the URL to send the citizen to."""

    @abstractmethod
    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult:
        """Check a callback (browser return or server notification); ``ForgedCallback`` if bad."""

    @abstractmethod
    def query(self, reference: str) -> CallbackResult | None:
        """Ask the provider for the transaction's current status (None: unknown to it)."""


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
