"""The population database (Cơ sở dữ liệu quốc gia về dân cư) as a ``CitizenRegistry``
(docs/population-registry.md).

Given a personal identification number and a full name, the registry confirms the identity and
gives the registered date of birth and permanent address (``Verdict.MATCH``), or says the number
is registered under another name (``MISMATCH``: nothing else is said) or is not registered at all
(``NOT_FOUND``). When the registry cannot answer (down, slow, a refused or unsigned answer) the
client raises ``RegistryUnavailable``: the caller goes on without it and marks the data
unconfirmed.

``HttpCitizenRegistry`` speaks the protocol: ``POST {POPULATION_REGISTRY_URL}/v1/citizens/verify``
with a JSON body ``{"id_number", "full_name", "purpose", "requester": {"system", "user"},
"request_id"}``, signed like every message of the national seam (``signatures.webhook``: HMAC-SHA256
with ``POPULATION_REGISTRY_SECRET`` over ``<timestamp>.<body>``); the answer is signed the same way
and is refused when it is not. ``simulators.population_registry`` is the same protocol's other end.
"""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from portal.lazy import lazy_module
from signatures.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_authentic, signed_headers

requests = lazy_module("requests")  # imported at the first call (about 70 ms of start-up)

VERIFY_PATH = "/v1/citizens/verify"


class Verdict(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class RegisteredCitizen:
    """What the registry holds about a confirmed person."""

    id_number: str
    full_name: str
    date_of_birth: date | None
    permanent_address: str | None


@dataclass(frozen=True)
class RegistryAnswer:
    verdict: Verdict
    citizen: RegisteredCitizen | None = None  # only with MATCH
    request_id: str = ""


class RegistryUnavailable(Exception):
    """The registry gave no usable answer; ``reason`` says why (for the logs and the audit)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CitizenRegistry(Protocol):
    def verify(self, id_number: str, full_name: str, *, purpose: str, requester: str) -> RegistryAnswer:
        """Confirm ``full_name`` for ``id_number``; ``purpose`` and ``requester`` travel with the
        request (the registry keeps its own log of who asked, and why). Raises
        ``RegistryUnavailable``."""
        ...


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class HttpCitizenRegistry:
    """The registry over HTTP (see the module): signed requests, signed answers, a timeout."""

    def __init__(self, base_url: str, secret: str, *, system: str, timeout: float,
                 session: requests.Session | None = None):
        self.base_url, self.secret, self.system, self.timeout = base_url.rstrip("/"), secret, system, timeout
        self.http = session or requests.Session()

    def verify(self, id_number: str, full_name: str, *, purpose: str, requester: str) -> RegistryAnswer:
        request_id = uuid.uuid4().hex
        body = json.dumps({"id_number": id_number, "full_name": full_name, "purpose": purpose,
                           "requester": {"system": self.system, "user": requester}, "request_id": request_id},
                          ensure_ascii=False, sort_keys=True).encode()
        try:
            answer = self.http.post(self.base_url + VERIFY_PATH, data=body, headers=signed_headers(self.secret, body),
                                    timeout=self.timeout)
        except requests.Timeout:
            raise RegistryUnavailable("timeout") from None
        except requests.RequestException as error:
            raise RegistryUnavailable(f"connection: {type(error).__name__}") from None
        if answer.status_code != 200:
            raise RegistryUnavailable(f"HTTP {answer.status_code}")
        if not is_authentic(self.secret, answer.headers.get(TIMESTAMP_HEADER), answer.headers.get(SIGNATURE_HEADER),
                            answer.content):
            raise RegistryUnavailable("answer not signed by the registry")
        try:
            payload = answer.json()
            verdict = Verdict(payload["result"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RegistryUnavailable("answer not understood") from None
        if payload.get("request_id") not in (None, request_id):  # payload is a dict: its "result" was read
            raise RegistryUnavailable("answer to another request")
        if verdict is not Verdict.MATCH:
            return RegistryAnswer(verdict, request_id=request_id)
        person = payload.get("citizen") or {}
        if not isinstance(person, dict):
            raise RegistryUnavailable("answer not understood")
        if str(person.get("id_number") or id_number) != id_number:
            raise RegistryUnavailable("answer about another person")
        return RegistryAnswer(verdict, RegisteredCitizen(
            id_number=id_number, full_name=" ".join(str(person.get("full_name") or full_name).split()),
            date_of_birth=_date(person.get("date_of_birth")),
            permanent_address=(str(person.get("permanent_address") or "").strip() or None)), request_id)


def from_config(config) -> CitizenRegistry | None:
    """The configured registry, or None when ``POPULATION_REGISTRY_URL`` is empty (off)."""
    url = config.get("POPULATION_REGISTRY_URL")
    if not url:
        return None
    return HttpCitizenRegistry(url, config.get("POPULATION_REGISTRY_SECRET") or "",
                               system=config.get("POPULATION_REGISTRY_CLIENT_ID") or "cong-dvc-lai-chau",
                               timeout=float(config.get("POPULATION_REGISTRY_TIMEOUT_SECONDS") or 5))
