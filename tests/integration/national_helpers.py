"""The national-portal simulator as a separate process for the tests, and the requests it builds.

``national_simulator`` (session scope) starts ``python -m simulators.national_portal`` on a free
port and kills it at the end; ``simulator`` (per test) clears what it received and points the
application's NATIONAL_PORTAL_URL and NATIONAL_PORTAL_SECRET at it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bi-mat-chung-cua-hai-cong"
INBOUND = "/api/v1/national/dossiers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Simulator:
    def __init__(self, url: str, secret: str):
        self.url, self.secret = url, secret

    def control(self, **orders) -> None:
        requests.post(f"{self.url}/_sim/control", json=orders, timeout=10).raise_for_status()

    def events(self, dossier: str | None = None) -> list[dict]:
        params = {"dossier": dossier} if dossier else None
        return requests.get(f"{self.url}/_sim/events", params=params, timeout=10).json()["items"]

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sim/stats", timeout=10).json()

    def dossier_request(self, **spec) -> dict:
        """The signed inbound request the simulator would send: {url, headers, body}."""
        answer = requests.post(f"{self.url}/_sim/dossier-request", json=spec, timeout=10)
        answer.raise_for_status()
        return answer.json()


@contextmanager
def simulator_process(module: str, *args: str, name: str):
    """A simulator (``simulators.<module>``) running as its own process on a free port, until the
    block ends; yields its base URL once its ``/_sim/health`` answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    process = subprocess.Popen([sys.executable, "-m", f"simulators.{module}", "--port", str(port), *args],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/_sim/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def national_simulator():
    with simulator_process("national_portal", "--secret", SECRET, name="the national-portal simulator") as url:
        yield Simulator(url, SECRET)


@pytest.fixture
def simulator(app, national_simulator, monkeypatch):
    national_simulator.control(reset=True)
    monkeypatch.setitem(app.config, "NATIONAL_PORTAL_URL", national_simulator.url)
    monkeypatch.setitem(app.config, "NATIONAL_PORTAL_SECRET", SECRET)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)  # a failed message is due again at once
    monkeypatch.setitem(app.config, "NATIONAL_TIMEOUT_SECONDS", 5)
    return national_simulator


def filing_spec(procedure, data: dict, **extra) -> dict:
    """What the simulator needs to build an inbound dossier of ``procedure`` (required documents)."""
    documents = [{"key": d["key"]} for d in procedure.documents if d.get("required")]
    return {"procedure": procedure.code, "data": data, "documents": documents, **extra}


def hand_over(client, built: dict, body: bytes | None = None, headers: dict | None = None):
    """Send the simulator's signed request to the application (the test client)."""
    return client.post(INBOUND, data=body if body is not None else built["body"].encode(),
                       headers=headers if headers is not None else built["headers"])


def edited(built: dict, change) -> tuple[bytes, dict]:
    """The request's body changed by ``change(body_dict)``, signed again with the shared secret."""
    from signatures.webhook import signed_headers

    body = json.loads(built["body"])
    change(body)
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw, signed_headers(SECRET, raw)


def national_dossier(client, simulator: Simulator, procedure, **extra) -> int:
    """A dossier handed over by the simulator (through the application's endpoint): its id."""
    from portal.extensions import db
    from tests.integration.filing_helpers import valid_data

    answer = hand_over(client, simulator.dossier_request(**filing_spec(procedure, valid_data(procedure), **extra)))
    assert answer.status_code == 201, answer.get_json()
    # End the test session's savepoint, which the request's own work is nested in: a later
    # rollback in the test (a killed command) must not take the request's dossier with it.
    db.session.commit()
    return answer.get_json()["id"]
