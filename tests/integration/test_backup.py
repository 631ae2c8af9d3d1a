"""The restore drill (PostgreSQL): back up, write more, restore into a new database and directory,
and find exactly the backed-up dossiers, events and files, every check passing; a tampered
backup, a non-empty target and a broken chain are refused or reported (exit 1).

These tests commit for real (pg_dump reads committed rows from its own connection), so they
clean up after themselves, as tests/integration/test_concurrency.py does. The restore target is
a database named after the test database (``<testdb>_restore``), so parallel runs do not collide.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.extensions import db
from portal.models import Dossier, DossierCodeCounter, LoginAttempt, User
from portal.models.files import DossierFile, FileBlob
from portal.operations import filing
from portal.statistics import daily
from tests.conftest import PASSWORD, require_tool
from tests.integration.filing_helpers import PDF, limits, valid_data
from tests.integration.lifecycle_helpers import act, build_office
from tests.integration.test_concurrency import _delete_referencing

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def office(_app):
    """An office whose users and dossiers are really committed; all removed afterwards."""
    if not _app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("backup and restore are for PostgreSQL (run in the PostgreSQL pass of make test)")
    require_tool("pg_dump")
    require_tool("pg_restore")
    from portal.operations import accounts

    created: list[int] = []

    def make_user(role="citizen", agency=None, username=None, **kwargs):
        if role == "citizen":
            user = accounts.register_citizen(username=username, password=PASSWORD, full_name="Lò Văn Pả",
                                             id_number=f"01219{len(created):07d}", phone="0912345678", email=None)
        else:
            user = accounts.create_staff_user(username=username, password=PASSWORD, role=role, agency_code=agency)
        db.session.commit()
        created.append(user.id)
        return user

    with _app.app_context():
        office = build_office(make_user, prefix="bkp_")
        yield office
        db.session.rollback()
        _remove(office, created)


def _remove(office, user_ids: list[int]) -> None:
    dossier_ids = list(db.session.scalars(select(Dossier.id).where(Dossier.applicant_id.in_(user_ids))))
    shas = set(db.session.scalars(select(DossierFile.blob_sha256).where(DossierFile.dossier_id.in_(dossier_ids))))
    daily.uncount_dossiers(db.session.connection(), dossier_ids)  # a bulk DELETE bypasses the flush
    _delete_referencing("dossiers", dossier_ids)
    db.session.execute(delete(Dossier).where(Dossier.id.in_(dossier_ids)))
    db.session.execute(delete(DossierCodeCounter).where(DossierCodeCounter.agency_id == office.procedure.agency_id))
    db.session.execute(delete(LoginAttempt))
    _delete_referencing("users", user_ids)
    db.session.execute(delete(User).where(User.id.in_(user_ids)))
    still_used = set(db.session.scalars(select(DossierFile.blob_sha256).where(DossierFile.blob_sha256.in_(shas))))
    db.session.execute(delete(FileBlob).where(FileBlob.sha256.in_(shas - still_used)))
    db.session.commit()


@pytest.fixture
def empty_database(_app):
    """``fresh()`` (re)creates ``<testdb>_restore`` empty and returns its URL; dropped afterwards."""
    base = make_url(_app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{base.database}_restore"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def fresh() -> str:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return base.set(database=name).render_as_string(hide_password=False)

    yield fresh
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def file_dossier(office, marker: str) -> int:
    """A submitted dossier with its own files (content unique to ``marker``)."""
    procedure = office.procedure
    dossier, _ = filing.start_draft(office.citizen, procedure, valid_data(procedure))
    documents = [d for d in procedure.documents if d.get("required")] or procedure.documents[:1]
    for document in documents:
        filing.add_attachment(dossier, office.citizen, document["key"], f"{document['key']}.pdf",
                              PDF + f"{marker}/{document['key']}".encode(), limits())
    filing.submit(dossier.id, office.citizen)
    db.session.commit()
    return dossier.id


def snapshot(executor) -> dict:
    """What the drill compares: every dossier, event and stored file, with their hashes."""
    return {
        "dossiers": {row[0]: tuple(row[1:]) for row in executor.execute(
            text("SELECT id, code, status, version, last_event_hash FROM dossiers"))},
        "events": {(row[0], row[1]): row[2] for row in executor.execute(
            text("SELECT dossier_id, seq, hash FROM dossier_events"))},
        "files": dict(executor.execute(text("SELECT sha256, size FROM file_blobs")).all()),
    }


def read_database(url: str, query=snapshot):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return query(connection)
    finally:
        engine.dispose()


def table_count(connection) -> int:
    return connection.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))


def files_on_disk(root: Path) -> dict[str, str]:
    """name -> SHA-256 of the content, for every file under ``root``."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def test_restore_drill(_app, office, empty_database, tmp_path):
    ids = [file_dossier(office, f"a{i}") for i in range(3)]
    act(ids[0], "accept", office.officer)
    act(ids[1], "accept", office.officer)
    before = snapshot(db.session)
    assert set(ids) <= set(before["dossiers"]) and len(before["files"]) >= 3

    backup = tmp_path / "backup"
    created = cli(_app, "backup", "create", backup)
    assert created.exit_code == 0, created.output
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"dossiers": len(before["dossiers"]), "events": len(before["events"]),
                                  "files": len(before["files"])}
    assert {f["sha256"]: f["size"] for f in manifest["files"]} == before["files"]
    assert hashlib.sha256((backup / "database.dump").read_bytes()).hexdigest() == manifest["database"]["sha256"]
    assert manifest["alembic_revision"] == db.session.scalar(text("SELECT version_num FROM alembic_version"))

    # Life goes on after the backup: a new dossier with new files, an action on an old one.
    later = file_dossier(office, "after")
    act(ids[2], "accept", office.officer)
    after = snapshot(db.session)
    assert after != before and later in after["dossiers"]

    url, storage = empty_database(), tmp_path / "restored-files"
    restored = cli(_app, "backup", "restore", backup, "--database-url", url, "--storage-dir", storage)
    assert restored.exit_code == 0, restored.output
    assert "Toàn vẹn" in restored.output
    assert f"chuỗi băm nhật ký: {len(before['events'])} sự kiện" in restored.output

    assert read_database(url) == before  # exactly the backed-up dossiers, events and files
    assert files_on_disk(storage) == {sha: sha for sha in before["files"]}  # content hashes equal

    # Nothing is restored over data: the database now holds the restored copy.
    again = cli(_app, "backup", "restore", backup, "--database-url", url, "--storage-dir", tmp_path / "other")
    assert again.exit_code == 1 and "không trống" in again.output
    assert read_database(url) == before and not (tmp_path / "other").exists()

    # ... nor over a directory that holds anything.
    url = empty_database()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("dữ liệu đang dùng", encoding="utf-8")
    refused = cli(_app, "backup", "restore", backup, "--database-url", url, "--storage-dir", busy)
    assert refused.exit_code == 1 and "đã có dữ liệu" in refused.output
    assert read_database(url, table_count) == 0 and [p.name for p in busy.iterdir()] == ["keep.txt"]

    # The backup directory is never written over either.
    assert cli(_app, "backup", "create", backup).exit_code == 1


def _copy(backup: Path, to: Path) -> Path:
    shutil.copytree(backup, to)
    return to


def test_a_tampered_backup_is_refused_and_a_broken_restore_reported(_app, office, empty_database, tmp_path):
    ids = [file_dossier(office, f"t{i}") for i in range(2)]
    act(ids[0], "accept", office.officer)
    backup = tmp_path / "backup"
    assert cli(_app, "backup", "create", backup).exit_code == 0
    assert cli(_app, "backup", "verify", backup).exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))

    def restore(source: Path):
        url, storage = empty_database(), tmp_path / f"files-{source.name}"
        return url, storage, cli(_app, "backup", "restore", source, "--database-url", url, "--storage-dir", storage)

    # A changed byte in a stored file: refused before anything is restored.
    changed_file = _copy(backup, tmp_path / "changed-file")
    victim = changed_file / manifest["files"][0]["path"]
    victim.write_bytes(victim.read_bytes()[:-1] + b"X")
    assert cli(_app, "backup", "verify", changed_file).exit_code == 1
    url, storage, result = restore(changed_file)
    assert result.exit_code == 1 and manifest["files"][0]["sha256"] in result.output
    assert read_database(url, table_count) == 0 and not storage.exists()

    # A changed dump: refused the same way.
    changed_dump = _copy(backup, tmp_path / "changed-dump")
    with (changed_dump / "database.dump").open("ab") as handle:
        handle.write(b"\0")
    url, storage, result = restore(changed_dump)
    assert result.exit_code == 1 and "database.dump" in result.output
    assert read_database(url, table_count) == 0

    # A manifest that lists another hash for a file: refused before anything is restored.
    changed_manifest = _copy(backup, tmp_path / "changed-manifest")
    edited = json.loads(json.dumps(manifest))
    edited["files"][0]["sha256"] = "0" * 64
    (changed_manifest / "manifest.json").write_text(json.dumps(edited), encoding="utf-8")
    url, storage, result = restore(changed_manifest)
    assert result.exit_code == 1 and "0" * 64 in result.output
    assert read_database(url, table_count) == 0

    # A manifest whose counts do not match the dump: restored into the new database, then the
    # check against the manifest fails (exit 1, "do not use it").
    changed_counts = _copy(backup, tmp_path / "changed-counts")
    edited = json.loads(json.dumps(manifest))
    edited["counts"]["dossiers"] += 1
    (changed_counts / "manifest.json").write_text(json.dumps(edited), encoding="utf-8")
    url, storage, result = restore(changed_counts)
    assert result.exit_code == 1 and "KHÔNG khớp" in result.output and "số dossiers" in result.output

    # A stored file lost from the live file store: no backup is made (and nothing is left).
    (Path(_app.config["STORAGE_DIR"]) / manifest["files"][0]["path"].removeprefix("files/")).unlink()
    failed = cli(_app, "backup", "create", tmp_path / "incomplete")
    assert failed.exit_code == 1 and f"thiếu tệp {manifest['files'][0]['sha256']}" in failed.output
    assert list((tmp_path / "incomplete").iterdir()) == []


def test_the_restore_runs_the_audit_and_statistics_checks(_app, office, empty_database, tmp_path):
    dossier_id = file_dossier(office, "chain")
    act(dossier_id, "accept", office.officer)
    # Someone edits history in the live database (and a day count) before the backup is taken.
    db.session.execute(text("UPDATE dossier_events SET comment = 'đã sửa' WHERE dossier_id = :id AND seq = 1"),
                       {"id": dossier_id})
    db.session.execute(text("UPDATE dossier_day_counts SET received = received + 5 WHERE procedure_id = :p"),
                       {"p": office.procedure.id})
    db.session.commit()
    try:
        backup = tmp_path / "backup"
        assert cli(_app, "backup", "create", backup).exit_code == 0
        url = empty_database()
        result = cli(_app, "backup", "restore", backup, "--database-url", url, "--storage-dir", tmp_path / "files")
        assert result.exit_code == 1
        assert f"nhật ký hồ sơ {dossier_id}, sự kiện #1" in result.output
        assert "received = " in result.output  # the day counts no longer equal a direct count
    finally:
        db.session.execute(text("UPDATE dossier_day_counts SET received = received - 5 WHERE procedure_id = :p"),
                           {"p": office.procedure.id})
        db.session.commit()


@pytest.mark.sqlite_only
def test_backup_on_sqlite_says_it_is_for_postgresql(runner, app, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the SQLite refusal is checked on the SQLite pass")
    result = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert result.exit_code == 1 and "chỉ dành cho PostgreSQL" in result.output
    assert not (tmp_path / "backup").exists() or not any((tmp_path / "backup").iterdir())


def test_the_manifest_describes_the_dump_whatever_is_written_meanwhile(_app, office, empty_database, tmp_path,
                                                                      monkeypatch):
    """A write committed after the snapshot was exported, while pg_dump starts, is in neither the
    manifest nor the dump (without ``--snapshot`` the dump would have it and the restore would fail)."""
    from portal.operations import backup

    file_dossier(office, "snap")
    late = "f" * 64
    real_run = backup._run

    def run_after_a_write(command, env):
        if Path(command[0]).name == "pg_dump" and "--format=custom" in command:
            with db.engine.begin() as other:  # another connection, committed at once
                other.execute(text("INSERT INTO file_blobs (sha256, size, content_type, created_at) "
                                   "VALUES (:sha, 1, 'application/pdf', now())"), {"sha": late})
        return real_run(command, env)

    monkeypatch.setattr(backup, "_run", run_after_a_write)
    try:
        result = cli(_app, "backup", "create", tmp_path / "backup")
        assert result.exit_code == 0, result.output
        assert db.session.scalar(text("SELECT count(*) FROM file_blobs WHERE sha256 = :s"), {"s": late}) == 1
        manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
        assert late not in {f["sha256"] for f in manifest["files"]}
        url = empty_database()
        restored = cli(_app, "backup", "restore", tmp_path / "backup", "--database-url", url,
                       "--storage-dir", tmp_path / "files")
        assert restored.exit_code == 0, restored.output
        assert late not in read_database(url)["files"]
    finally:
        db.session.execute(text("DELETE FROM file_blobs WHERE sha256 = :s"), {"s": late})
        db.session.commit()
