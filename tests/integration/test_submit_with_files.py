"""The one-request filing (``POST /api/v1/dossiers/submit-with-files``): e-form and every document
in one multipart request, one transaction, idempotent; and the fixed SQL cost of submissions."""

from __future__ import annotations

import hashlib
import io
import json

from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, FileBlob, IdempotencyKey
from portal.storage import blob_path
from tests.integration.filing_helpers import EXE, full_store, pdf, procedure, valid_data
from tests.integration.test_filing_api import office, token  # noqa: F401  (fixtures and helper)
from workflow.codes import parse_code

URL = "/api/v1/dossiers/submit-with-files"


def _required(code: str = "LC-05") -> list[dict]:
    return [d for d in procedure(code).documents if d["required"]]


def _files(tag: str) -> dict[str, bytes]:
    return {d["key"]: pdf(f"{tag}-{d['key']}") for d in _required()}


def send(client, headers, files: dict[str, bytes], key: str | None = "swf-1", data=None, delivery=None):
    form = {"procedure": "LC-05", "data": json.dumps(data if data is not None else valid_data(procedure("LC-05")))}
    if delivery is not None:
        form["delivery"] = json.dumps(delivery)
    for document_key, content in files.items():
        form[document_key] = (io.BytesIO(content), f"{document_key}.pdf")
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(URL, headers={**headers, **extra}, data=form, content_type="multipart/form-data")


def count(model, **where) -> int:
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


def test_one_request_files_and_submits(client, office):  # noqa: F811
    headers = token(client, office.citizen.username)
    files = _files("ok")
    response = send(client, headers, files, delivery={"method": "desk"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Idempotent-Replayed"] == "false"
    assert body["status"] == "submitted" and parse_code(body["code"])
    assert sorted(d["document"] for d in body["documents"]) == sorted(files)
    assert {d["sha256"] for d in body["documents"]} == {hashlib.sha256(c).hexdigest() for c in files.values()}
    dossier = db.session.get(Dossier, body["id"])
    assert dossier.applicant_id == office.citizen.id and dossier.has_files
    assert dossier.applicant["delivery"]["method"] == "desk"
    actions = db.session.scalars(select(DossierEvent.action).where(DossierEvent.dossier_id == dossier.id)
                                 .order_by(DossierEvent.seq)).all()
    assert actions == ["create", "submit"]  # the same lifecycle as the three-request path
    for content in files.values():
        assert blob_path(hashlib.sha256(content).hexdigest()).read_bytes() == content
    # the officers see it in their queue like any other submission
    mine = client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers)
    assert mine.status_code == 200 and mine.get_json()["status"] == "submitted"


def test_the_same_key_replays_the_first_dossier(client, office):  # noqa: F811
    headers = token(client, office.citizen.username)
    files = _files("replay")
    first = send(client, headers, files, key="lan-1")
    assert first.status_code == 201, first.get_json()
    before = (count(Dossier, applicant_id=office.citizen.id), count(DossierFile), count(DossierEvent))
    again = send(client, headers, files, key="lan-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["code"] == first.get_json()["code"]
    assert again.get_json()["documents"] == first.get_json()["documents"]
    assert (count(Dossier, applicant_id=office.citizen.id), count(DossierFile), count(DossierEvent)) == before
    # the same key with other files (or data) is another request: refused, nothing stored
    other = send(client, headers, _files("khac"), key="lan-1")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(Dossier, applicant_id=office.citizen.id) == before[0]
    assert count(IdempotencyKey, user_id=office.citizen.id) == 1


def test_an_invalid_document_stores_nothing_and_leaves_no_file(client, office, make_user):  # noqa: F811
    headers = token(client, office.citizen.username)
    files = _files("bad")
    good = dict(files)
    first_key = next(iter(files))
    files[list(files)[-1]] = EXE  # the last document is a program, whatever its name says
    refused = send(client, headers, files, key="bad-1")
    assert refused.status_code == 415, refused.get_json()
    assert count(Dossier, applicant_id=office.citizen.id) == 0 and count(DossierFile) == 0
    assert count(IdempotencyKey, user_id=office.citizen.id) == 0
    assert not blob_path(hashlib.sha256(good[first_key]).hexdigest()).exists()  # no orphan file on disk
    missing = send(client, headers, {first_key: good[first_key]}, key="bad-2")
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "documents_missing"
    unknown = send(client, headers, {**good, "khong-co": pdf("x")}, key="bad-3")
    assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "unknown_document"
    incomplete = send(client, headers, good, key="bad-4", data={"phone": "0912345678"})
    assert incomplete.status_code == 422 and incomplete.get_json()["error"]["code"] == "invalid_data"
    bad_delivery = send(client, headers, good, key="bad-5", delivery={"method": "post"})
    assert bad_delivery.status_code == 422
    malformed = client.post(URL, headers=headers, content_type="multipart/form-data",
                            data={"procedure": "LC-05", "data": "{khong phai json"})
    assert malformed.status_code == 400
    assert count(Dossier, applicant_id=office.citizen.id) == 0 and count(DossierFile) == 0
    for content in good.values():
        assert not blob_path(hashlib.sha256(content).hexdigest()).exists()
    # the key of a refused request is free again: the corrected request goes through, and the
    # same content for two documents is stored once
    same = dict.fromkeys(good, good[first_key])
    again = send(client, headers, same, key="bad-1")
    assert again.status_code == 201, again.get_json()
    assert len({d["sha256"] for d in again.get_json()["documents"]}) == 1 and len(again.get_json()["documents"]) == 2
    officer = token(client, office.officer.username)
    assert send(client, officer, good, key="o-1").status_code == 403
    assert client.post(URL, data={"procedure": "LC-05"}, content_type="multipart/form-data").status_code == 401


class Statements:
    """Counts the SQL statements the application sends (not the test's own savepoints)."""

    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    @property
    def count(self) -> int:
        harness = ("SAVEPOINT sa_savepoint", "RELEASE SAVEPOINT sa_savepoint", "ROLLBACK TO SAVEPOINT sa_savepoint")
        return len([s for s in self.seen if not s.startswith(harness)])


def test_a_submission_costs_a_fixed_number_of_statements(client, office):  # noqa: F811
    """A bound, not a time: token and user in one query, no lazy loads for the answer, one UPDATE
    of the dossier for its files and its submission, no blob lookup; per file only its rows."""
    documents = 2
    headers = token(client, office.citizen.username)
    files = _files(f"count{documents}")
    data = valid_data(procedure("LC-05"))
    with Statements() as one_request:
        response = send(client, headers, files, key=f"count-{documents}", data=data)
    assert response.status_code == 201, response.get_json()
    updates = [s for s in one_request.seen if s.startswith("UPDATE dossiers")]
    assert len(updates) == 1, updates  # files, the create event's anchor and the submission: one row version
    # the chain's head is known in the transaction, and a submission moves no clock: neither
    # event reads the previous one, and the working calendar is not read
    assert not [s for s in one_request.seen if s.startswith("SELECT") and "FROM dossier_events" in s]
    assert not [s for s in one_request.seen if "working_hours" in s or "calendar_overrides" in s]
    # a first request reads neither its key (a repeat finds it taken when recording it) nor the
    # blobs (one INSERT ... ON CONFLICT DO NOTHING)
    assert not [s for s in one_request.seen if s.startswith("SELECT") and ("idempotency_keys" in s or "file_blobs" in s)]
    # the key is claimed with ON CONFLICT DO NOTHING: no savepoint around the draft and the key
    claims = [s for s in one_request.seen if s.startswith("INSERT INTO idempotency_keys")]
    assert len(claims) == 1 and "ON CONFLICT" in claims[0], claims
    # 14 with 2 files (SQLite; one INSERT per file and per event there, one for all on
    # PostgreSQL), and no savepoint: 22 before the deferred create event, the known chain head,
    # the lazy calendar, the agency joined, no look-up of the key or the blobs, the files' rows
    # without a flush of their own
    assert one_request.count <= 12 + len(files), "\n".join(one_request.seen)

    # the four-request path: each request a fixed number, one UPDATE of the dossier per attachment
    proc = procedure("LC-05")
    with Statements() as create:
        draft = client.post("/api/v1/dossiers", json={"procedure": "LC-05", "data": valid_data(proc)},
                            headers={**headers, "Idempotency-Key": f"four-{documents}"})
    assert draft.status_code == 201
    assert create.count <= 8, "\n".join(create.seen)
    for i, doc in enumerate(_required()):
        with Statements() as attach:
            attached = client.post(f"/api/v1/dossiers/{draft.get_json()['id']}/attachments", headers=headers,
                                   content_type="multipart/form-data",
                                   data={"document": doc["key"], "file": (io.BytesIO(pdf(f"four{documents}{i}")), "a.pdf")})
        assert attached.status_code == 201
        assert len([s for s in attach.seen if s.startswith("UPDATE dossiers")]) == 1, attach.seen
        assert attach.count <= 9, "\n".join(attach.seen)
    with Statements() as submit:
        done = client.post(f"/api/v1/dossiers/{draft.get_json()['id']}/submit", headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    assert submit.count <= 13, "\n".join(submit.seen)
    assert not [s for s in submit.seen if s.startswith("SELECT file_blobs")]  # no lazy loads for the answer


def test_files_stored_before_are_kept_once_and_answered_without_reading_them(client, office):  # noqa: F811
    """A document the citizen sent before (same bytes) keeps its one blob row and file: the blobs
    are inserted with ON CONFLICT DO NOTHING, and the answer lists them without a query."""
    headers = token(client, office.citizen.username)
    files = _files("again")
    assert send(client, headers, files, key="first").status_code == 201
    with Statements() as second:
        response = send(client, headers, files, key="second")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {d["sha256"] for d in body["documents"]} == {hashlib.sha256(c).hexdigest() for c in files.values()}
    assert sorted(d["size"] for d in body["documents"]) == sorted(len(c) for c in files.values())
    assert all(d["content_type"] == "application/pdf" for d in body["documents"])
    assert not [s for s in second.seen if s.startswith("SELECT") and "file_blobs" in s]
    for content in files.values():
        sha = hashlib.sha256(content).hexdigest()
        assert count(FileBlob, sha256=sha) == 1 and blob_path(sha).read_bytes() == content


def test_a_full_disk_is_a_503_that_files_nothing(client, office, monkeypatch):  # noqa: F811
    """The file store cannot be written: the citizen is told to try again later (503 with
    Retry-After), and nothing stays: no dossier, no key, no blob row, no file."""
    headers = token(client, office.citizen.username)
    before = (count(Dossier, applicant_id=office.citizen.id), count(FileBlob), count(IdempotencyKey))
    files = _files("full-disk")
    full_store(monkeypatch)
    response = send(client, headers, files, key="full-1")
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"] == "300"
    assert response.get_json()["error"]["code"] == "storage_unavailable"
    assert (count(Dossier, applicant_id=office.citizen.id), count(FileBlob), count(IdempotencyKey)) == before
    assert not any(blob_path(hashlib.sha256(content).hexdigest()).exists() for content in files.values())
    assert not list(blob_path("0" * 64).parent.parent.parent.glob("*/*/.upload-*"))  # no temporary file left
    # the same request once the disk has room again is a first request (the key was not kept)
    assert send(client, headers, files, key="full-1").status_code == 201
