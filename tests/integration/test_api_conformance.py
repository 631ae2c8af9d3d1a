"""The API answers what its OpenAPI document says: schemathesis against the application.

Every operation of GET /api/v1/openapi.json is called in-process (through the WSGI app, inside the
test's rolled-back transaction) with generated requests, valid and invalid, signed in as a citizen
and as a one-stop officer; requests for operations on a dossier also name real dossiers, files,
forms and codes, so that success bodies are checked and not only 404s. Every answer must be
documented: no server error, a documented status, the documented content type, a body matching
the documented schema, documented headers; invalid requests are refused, and a protected operation
answered with success refuses the same request without its token. (``positive_data_acceptance``
is not checked: a schema-valid request may still be refused for what no schema says, such as
another agency, a wrong password or a period that ends before it starts.)

Bounded and deterministic: a few examples per operation, a fixed seed (``derandomize``), no
shrinking, no example database.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.extensions import db
from portal.operations import applicant, filing
from tests.conftest import PASSWORD
from tests.integration.filing_helpers import PDF, limits
from tests.integration.lifecycle_helpers import act, build_office, new_submitted
from tests.integration.office_helpers import fast_passwords  # noqa: F401

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, ignored_auth]
#: Generated requests per operation and mode for the account the operation is meant for, and
#: for each other account (mostly refusals).
#: ``API_CONFORMANCE_EXAMPLES=50`` runs a deeper search locally.
EXAMPLES = int(os.environ.get("API_CONFORMANCE_EXAMPLES", "6"))
OTHER_EXAMPLES = max(1, EXAMPLES // 2)

#: Answers the run must include (so the success bodies are checked, not only refusals).
MUST_SUCCEED = {
    ("GET /api/v1/procedures", 200), ("GET /api/v1/procedures/{code}", 200), ("GET /api/v1/me", 200),
    ("GET /api/v1/dossiers", 200), ("GET /api/v1/dossiers/{dossier_id}", 200),
    ("GET /api/v1/dossiers/{dossier_id}/files/{file_id}", 200), ("GET /api/v1/dossiers/{dossier_id}/forms/{form}", 200),
    ("GET /api/v1/lookup/{code}", 200), ("GET /api/v1/office/dossiers", 200), ("GET /api/v1/stats", 200),
    ("POST /api/v1/verify", 200), ("POST /api/v1/dossiers", 201),
    ("GET /api/v1/office/feedback", 200), ("GET /api/v1/office/feedback/{feedback_id}", 200),
}


def _settings(examples: int):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _token(client, username: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@pytest.fixture
def world(app, make_user, fast_passwords):  # noqa: F811
    """A citizen with a draft (one attachment), an accepted dossier and feedback about it; a one-stop
    officer and the leader of its agency (the leader only for the statistics)."""
    office = build_office(make_user)
    citizen, officer = office.citizen, office.officer
    draft = filing.start_draft(citizen, office.procedure, {})[0]
    document = office.procedure.documents[0]["key"]
    attachment = filing.add_attachment(draft, citizen, document, "giay-to.pdf", PDF, limits())
    db.session.commit()
    accepted = act(new_submitted(office, None).id, "accept", officer)
    feedback = applicant.send_feedback(citizen, "complaint", "Trả chậm", "Nội dung", accepted.code)
    db.session.commit()
    client = app.test_client()
    return SimpleNamespace(
        tokens={"citizen": _token(client, citizen.username), "officer": _token(client, officer.username),
                "leader": _token(client, office.agency_leader.username)},
        spare_token=_token(client, citizen.username),
        paths={
            "citizen": {"dossier_id": draft.id, "file_id": attachment.id, "form": "receipt", "action": "withdraw",
                        "feedback_id": feedback.id},
            "officer": {"dossier_id": accepted.id, "file_id": attachment.id, "form": "receipt", "action": "forward",
                        "feedback_id": feedback.id},
        },
        dossier_code=accepted.code, procedure_code=office.procedure.code,
    )


def _account(path: str) -> str:
    """The account an operation is meant for."""
    if path.startswith("/api/v1/stats"):
        return "leader"
    if path.startswith(("/api/v1/office/", "/api/v1/signing/")) or "/forms/" in path:
        return "officer"
    return "citizen"


def _negatable(operation) -> bool:
    """Whether negative mode can make anything of the request invalid (not a bare string path)."""
    return bool(operation.body or operation.query or operation.headers or operation.definition.raw.get("security")
                or any(p.definition.get("schema", {}).get("type") != "string" for p in operation.path_parameters))


def _real_objects(operation, who: str, world) -> dict:
    """Path parameters naming real objects this account may (or may not) see."""
    known = {**world.paths.get(who, world.paths["officer"]), "session_id": "0",
             "code": world.dossier_code if operation.path.startswith("/api/v1/lookup/") else world.procedure_code}
    return {p.name: known[p.name] for p in operation.path_parameters if p.name in known}


def _strategy(operation, mode: GenerationMode, who: str, world):
    generated = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE and operation.path == "/api/v1/verify":
        return st.one_of(generated, operation.as_strategy(body={"file": PDF}))
    if mode is GenerationMode.NEGATIVE or not operation.path_parameters:
        return generated
    # Real objects in the path (the rest still generated), so that success bodies get checked too.
    return st.one_of(generated, operation.as_strategy(path_parameters=_real_objects(operation, who, world)))


def _explicit(operation, who: str, world):
    """One request with real objects (path, period, PDF, procedure) that this account may act on."""
    path = operation.path
    query = {"from": "2026-01-01", "to": "2027-01-01"} if path.startswith("/api/v1/stats") else None
    body, media_type = NOT_SET, None
    if path == "/api/v1/verify":
        body, media_type = {"file": PDF}, "multipart/form-data"
    elif path == "/api/v1/dossiers" and operation.method.upper() == "POST":
        body, media_type = {"procedure": world.procedure_code}, "application/json"
    return operation.Case(path_parameters=_real_objects(operation, who, world), query=query, body=body,
                          media_type=media_type)


def _exercise(strategy, examples: int, token: str, label: str, findings: dict, answered: list,
              explicit=None) -> None:
    """Run one explicit and the generated cases of one operation, account and mode; record what fails."""
    headers = {"Authorization": f"Bearer {token}"}

    def check(case):
        response = case.call(headers=headers)
        answered.append((case.operation.label, response.status_code))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                findings[label].add(f"{failure.title}: {failure.message}"[:600])

    if explicit is not None:
        check(explicit)

    @given(case=strategy)
    @_settings(examples)
    def run(case):
        check(case)

    try:
        run()
    except Unsatisfiable:  # negative mode found nothing to make invalid
        pass


def test_every_answer_is_documented(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    findings: dict[str, set[str]] = defaultdict(set)
    answered: list[tuple[str, int]] = []
    started, cpu = time.monotonic(), time.process_time()
    for result in schema.get_all_operations():
        operation = result.ok()
        revokes = operation.method.upper() == "DELETE" and operation.path == "/api/v1/auth/token"
        meant_for = _account(operation.path)
        for who, token in world.tokens.items():
            if who == "leader" and meant_for != "leader":
                continue
            token = world.spare_token if revokes else token  # the others must stay valid
            runs = [(GenerationMode.POSITIVE, EXAMPLES if who == meant_for else OTHER_EXAMPLES)]
            if who == meant_for and _negatable(operation):
                runs.append((GenerationMode.NEGATIVE, EXAMPLES))
            for mode, examples in runs:
                _exercise(_strategy(operation, mode, who, world), examples, token,
                          f"{operation.label} ({who}, {mode.value})", findings, answered,
                          _explicit(operation, who, world) if mode is GenerationMode.POSITIVE else None)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    report = "\n".join(f"{key}\n    " + "\n    ".join(sorted(items)) for key, items in sorted(findings.items()))
    assert not findings, f"{sum(map(len, findings.values()))} findings in {len(answered)} calls:\n{report}"
    # The main success bodies were among the answers checked against their schemas.
    assert MUST_SUCCEED <= set(answered), sorted(MUST_SUCCEED - set(answered))
    print(f"{len(answered)} calls in {elapsed:.1f} s ({cpu:.1f} s CPU); statuses: {sorted(Counter(answered).items())}")


def test_every_operation_documents_its_refusals_and_bodies(client):
    """What schemathesis cannot reach with few examples, read from the document itself."""
    spec = client.get("/api/v1/openapi.json").get_json()
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            label, responses = f"{method.upper()} {path}", operation["responses"]
            if operation.get("security"):
                assert "401" in responses, label
            body = operation.get("requestBody", {})
            if body.get("required") and list(body["content"]) == ["application/json"]:
                assert {"400", "413", "415", "422"} <= set(responses), label
            for parameter in operation.get("parameters", []):
                assert parameter["schema"].get("type"), (label, parameter["name"])
            for status, response in responses.items():
                content = response.get("content", {})
                if status.startswith(("4", "5")):
                    assert content == {"application/json": {"schema": error}}, (label, status)
                elif status != "204":
                    assert content and all(media.get("schema") for media in content.values()), (label, status)
