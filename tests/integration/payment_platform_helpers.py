"""The national payment platform simulator (``simulators.payment_platform``) as its own process,
and the steps of a payment through it driven from a test.

``payment_platform`` (session scope) starts the simulator on a free port; ``platform`` (per test)
resets it, keeps its notifications instead of sending them (the application under test is a test
client, not a server: a test hands them over with ``notify``), and points the application at it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.national_helpers import simulator_process

SECRET = "bi-mat-nen-tang-thanh-toan"
MERCHANT = "LAICHAU"
CALLBACK = "/api/v1/payments/national/callback"


class Platform:
    def __init__(self, url: str):
        self.url = url

    def control(self, **orders) -> dict:
        answer = requests.post(f"{self.url}/_sim/control", json=orders, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def settle(self, reference: str, status: str = "paid", **orders) -> dict:
        answer = requests.post(f"{self.url}/_sim/settle", json={"reference": reference, "status": status, **orders}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def notifications(self) -> list[dict]:
        return requests.get(f"{self.url}/_sim/notifications", timeout=10).json()["items"]

    def transactions(self) -> list[dict]:
        return requests.get(f"{self.url}/_sim/transactions", timeout=10).json()["items"]

    def mismatch(self, **orders) -> None:
        requests.post(f"{self.url}/_sim/mismatch", json=orders, timeout=10).raise_for_status()

    def choose(self, pay_url: str, decision: str) -> requests.Response:
        """The citizen's choice on the platform's page (which must show the amount)."""
        page = requests.get(pay_url, timeout=10)
        assert page.status_code == 200 and "Thanh toán" in page.text
        return requests.post(pay_url, data={"decision": decision}, allow_redirects=False, timeout=10)


@pytest.fixture(scope="session")
def payment_platform():
    with simulator_process("payment_platform", "--secret", SECRET, "--merchant", MERCHANT,
                           name="the payment platform simulator") as url:
        yield Platform(url)


@pytest.fixture
def platform(app, payment_platform, monkeypatch):
    payment_platform.control(reset=True, notify=False)
    for name, value in (("PAYMENT_PROVIDER", "national"), ("PAYMENT_PLATFORM_URL", payment_platform.url),
                        ("PAYMENT_PLATFORM_SECRET", SECRET), ("PAYMENT_PLATFORM_MERCHANT", MERCHANT),
                        ("PAYMENT_PLATFORM_TIMEOUT_SECONDS", 10)):
        monkeypatch.setitem(app.config, name, value)
    return payment_platform


def local(url: str) -> str:
    """The path and query of a URL on the application (the test client's side)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def notify(client, notification: dict, body: bytes | None = None, headers: dict | None = None):
    """Hand the platform's notification (as it would have sent it) to the application."""
    built = notification["request"]
    assert urlsplit(built["url"]).path == CALLBACK
    return client.post(CALLBACK, data=body if body is not None else built["body"].encode(),
                       headers=headers if headers is not None else built["headers"])
