"""The test OpenID provider (``simulators.oidc_provider``) as its own process, and a VNeID sign-in
driven through it: the portal's redirect, the provider's answer, the portal's callback.

``oidc_provider`` (session scope) starts ``python -m simulators.oidc_provider`` on a free port and
kills it at teardown; ``vneid`` points the app at it (OIDC_* settings) and resets it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.national_helpers import simulator_process

CLIENT_ID = "cong-dvc-lai-chau"
CLIENT_SECRET = "bi-mat-cua-ung-dung"


class Provider:
    def __init__(self, url: str):
        self.url = url

    def control(self, **orders) -> None:
        requests.post(f"{self.url}/_sim/control", json=orders, timeout=10).raise_for_status()


def identity(number: str, name: str = "Lò Văn Minh", **extra) -> dict:
    return {"sub": f"sub-{number}", "personal_identification_number": number, "name": name, **extra}


@pytest.fixture(scope="session")
def oidc_provider():
    with simulator_process("oidc_provider", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                           name="the test OpenID provider") as url:
        yield Provider(url)


@pytest.fixture
def vneid(app, oidc_provider, monkeypatch):
    oidc_provider.control(reset=True)
    for name, value in (("OIDC_ISSUER", oidc_provider.url), ("OIDC_CLIENT_ID", CLIENT_ID),
                        ("OIDC_CLIENT_SECRET", CLIENT_SECRET)):
        monkeypatch.setitem(app.config, name, value)
    return oidc_provider


def provider_answer(client, provider: Provider, person: dict, tamper: str | None = None) -> str:
    """The portal's callback path and query the provider redirects the browser to."""
    provider.control(auto_identity=person, tamper=tamper)
    start = client.get("/dang-nhap/vneid")
    assert start.status_code == 302 and start.location.startswith(provider.url + "/authorize?")
    answer = requests.get(start.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def vneid_sign_in(client, provider: Provider, person: dict, tamper: str | None = None):
    return client.get(provider_answer(client, provider, person, tamper))
