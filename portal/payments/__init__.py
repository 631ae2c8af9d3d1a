"""Fee payments through a payment gateway (cổng thanh toán).

``gateway.PaymentGateway`` is the interface a provider implements (the national payment platform,
a bank, an e-wallet); ``sandbox.SandboxGateway`` is a provider for development and tests that
behaves like a real one: the citizen is redirected to its "bank" page, the result comes back as an
HMAC-signed callback, and its ledger can be queried for a transaction's status.
"""

from __future__ import annotations

from flask import current_app

from portal.payments.gateway import (
    CallbackResult,
    ForgedCallback,
    PaymentGateway,
    PaymentRequest,
    ProviderUnavailable,
)


def get_gateway() -> PaymentGateway | None:
    """The gateway named by ``PAYMENT_PROVIDER``: ``sandbox`` (development, the default outside
    production) or ``national`` (the national payment platform, ``portal.payments.platform``).

    ``None`` when no provider is configured (the production default until a provider is
    connected, or ``national`` without ``PAYMENT_PLATFORM_URL``): fees are then paid at the
    one-stop desk, never through the sandbox's fake bank.
    """
    from portal.payments.platform import NationalPaymentPlatform
    from portal.payments.sandbox import SandboxGateway

    name = current_app.config.get("PAYMENT_PROVIDER", "")
    if not name:
        return None
    if name == "national":
        return NationalPaymentPlatform.from_config()
    if name != "sandbox":
        raise RuntimeError(f"unknown PAYMENT_PROVIDER {name!r}")
    return SandboxGateway(current_app.config["PAYMENT_SANDBOX_SECRET"])


__all__ = ["CallbackResult", "ForgedCallback", "PaymentGateway", "PaymentRequest", "ProviderUnavailable", "get_gateway"]
