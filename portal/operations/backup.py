"""Backup and restore of the database and the file store (``flask backup ...``).

PostgreSQL only. A backup is one consistent picture: a REPEATABLE READ, READ ONLY transaction
exports its snapshot (``pg_export_snapshot``); the Alembic revision, the counts and the list of
stored files are read in that transaction, and ``pg_dump --snapshot`` dumps exactly the same
snapshot, so the manifest describes the dump exactly, whatever the application writes
meanwhile. Stored files are immutable and content-addressed and are written before the
transaction that refers to them commits, so every file the snapshot lists is on disk: it is
copied with its hash checked; files uploaded after the snapshot are not in this backup (the
next one has them).

A restore goes only into an empty database and an empty or new directory: the backup is first
checked against its manifest (dump and every file), then ``pg_restore --single-transaction``
loads the dump and the files are copied (hashes checked again), then ``check_restored`` (run
against the restored database) compares it with the manifest and runs the integrity checks:
the audit hash chains, the day counts of the statistics, the file store.

SQLite (the embedded development default) is refused: copy its file with ``sqlite3 DB
'.backup copy.sqlite3'`` and the STORAGE_DIR directory instead (docs/backup.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal.config import normalize_database_url
from portal.extensions import db
from portal.models import Dossier, DossierEvent
from portal.models.files import FileBlob
from portal.operations.backup_manifest import (
    DUMP,
    FILES,
    BackupError,
    Manifest,
    StoredFile,
    check_files,
    copy_verified,
    require_empty_directory,
    sha256_file,
    verify_backup,
)
from portal.storage import blob_path

__all__ = ["BackupError", "Manifest", "RestoreReport", "check_restored", "create_backup", "restore_backup",
           "verify_backup"]

ONLY_POSTGRESQL = ("Sao lưu, phục hồi chỉ dành cho PostgreSQL (môi trường thật). Với SQLite: sao chép tệp "
                   "CSDL bằng `sqlite3 TỆP \".backup BẢN_SAO\"` và thư mục STORAGE_DIR (xem docs/backup.md).")


# ---------------------------------------------------------------------------------------------
# PostgreSQL connections and tools


def postgresql_url(url: str | URL) -> URL:
    """The SQLAlchemy URL of a PostgreSQL database; ``BackupError`` for anything else."""
    try:
        parsed = make_url(normalize_database_url(url) if isinstance(url, str) else url)
    except Exception:  # noqa: BLE001 (any malformed URL)
        raise BackupError("Địa chỉ cơ sở dữ liệu không hợp lệ.") from None
    if parsed.get_backend_name() != "postgresql":
        raise BackupError(ONLY_POSTGRESQL)
    return parsed


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A connection URI for pg_dump and pg_restore, and the environment carrying the password
    (never on the command line, where other users of the machine could read it)."""
    env = {"PGPASSWORD": url.password} if url.password else {}
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"Không tìm thấy {name}: cài gói postgresql-client cùng phiên bản với máy chủ "
                          "(ví dụ apt-get install postgresql-client).")
    return path


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} thất bại (mã {done.returncode}).", done.stderr.strip().splitlines()[-20:])
    return done.stdout


def counts(executor) -> dict[str, int]:
    """Dossiers, events and stored files, through a connection or a session."""
    return {
        "dossiers": executor.scalar(select(func.count()).select_from(Dossier)),
        "events": executor.scalar(select(func.count()).select_from(DossierEvent)),
        "files": executor.scalar(select(func.count()).select_from(FileBlob)),
    }


def stored_files(executor) -> list[StoredFile]:
    rows = executor.execute(select(FileBlob.sha256, FileBlob.size, FileBlob.content_type).order_by(FileBlob.sha256))
    return [StoredFile(sha, size, content_type) for sha, size, content_type in rows]


def alembic_revision(executor) -> str:
    return executor.scalar(text("SELECT version_num FROM alembic_version")) or ""


# ---------------------------------------------------------------------------------------------
# Backup


def create_backup(target: Path, engine: Engine, storage_root: Path, now: datetime | None = None) -> Manifest:
    """Dump the database (one snapshot) and copy the files it refers to into ``target`` (empty or
    new), then write the manifest. Nothing is left in ``target`` when it fails."""
    if engine.dialect.name != "postgresql":
        raise BackupError(ONLY_POSTGRESQL)
    require_empty_directory(target, "Thư mục sao lưu")
    pg_dump = _tool("pg_dump")
    uri, env = libpq(postgresql_url(engine.url))
    target.mkdir(parents=True, exist_ok=True)
    try:
        snapshot_options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**snapshot_options) as connection, connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            revision, found, files = alembic_revision(connection), counts(connection), stored_files(connection)
            server_version = connection.scalar(text("SHOW server_version"))
            now = now or connection.scalar(text("SELECT now()"))  # the moment the snapshot shows
            # The exporting transaction stays open until pg_dump has taken the snapshot over.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target / DUMP}",
                  f"--dbname={uri}"], env)
        problems = [problem for stored in files
                    if (problem := copy_verified(blob_path(stored.sha256, storage_root),
                                                 target / FILES / stored.relative_path, stored.sha256))]
        if problems:
            raise BackupError("Kho tệp không khớp với cơ sở dữ liệu (tệp thiếu hoặc bị sửa); không tạo bản sao lưu.",
                              problems)
        dump_sha, dump_size = sha256_file(target / DUMP)
        manifest = Manifest(
            created_at=now.astimezone(UTC).isoformat(timespec="seconds"), alembic_revision=revision,
            counts=found, dump_sha256=dump_sha, dump_size=dump_size, files=files,
            server_version=str(server_version), pg_dump_version=_run([pg_dump, "--version"], {}).strip(),
        )
        manifest.write(target)
    except BaseException:
        _empty(target)
        raise
    return manifest


def _empty(directory: Path) -> None:
    """Remove what a failed backup wrote (the directory was empty or new: nothing else is there)."""
    for child in directory.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Restore


def require_empty_database(url: URL) -> None:
    """Refuse a database that cannot be reached or holds any table, view or sequence."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            relations = connection.scalar(text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                "AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise BackupError(f"Không kết nối được cơ sở dữ liệu đích (tạo nó bằng createdb trước): {reason}") from None
    finally:
        engine.dispose()
    if relations:
        raise BackupError(f"Cơ sở dữ liệu đích {url.database} không trống ({relations} bảng, view, sequence); "
                          "không phục hồi đè lên dữ liệu. Dùng một cơ sở dữ liệu mới (createdb).")


def restore_backup(source: Path, database_url: str, storage_dir: Path) -> Manifest:
    """Check the backup, then load it into an empty database and an empty or new directory.
    The caller then runs ``check_restored`` against the restored database."""
    url = postgresql_url(database_url)
    manifest = verify_backup(source)
    require_empty_database(url)
    require_empty_directory(storage_dir, "Thư mục kho tệp đích")
    pg_restore = _tool("pg_restore")
    uri, env = libpq(url)
    _run([pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
          f"--dbname={uri}", str(source / DUMP)], env)
    storage_dir.mkdir(parents=True, exist_ok=True)
    problems = [problem for stored in manifest.files
                if (problem := copy_verified(source / FILES / stored.relative_path,
                                             blob_path(stored.sha256, storage_dir), stored.sha256))]
    if problems:
        raise BackupError("Cơ sở dữ liệu đã được phục hồi nhưng sao chép kho tệp thất bại; không dùng bản phục hồi "
                          "này.", problems)
    return manifest


@dataclass
class RestoreReport:
    counts: dict[str, int]
    events_checked: int = 0
    years_checked: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_restored(manifest: Manifest, storage_dir: Path) -> RestoreReport:
    """Compare the database the session is bound to (the restored one) and ``storage_dir`` with
    the manifest, and run the integrity checks: audit chains, day counts, stored files."""
    from portal.operations import audit
    from portal.operations.events import verify_chains

    session = db.session
    report = RestoreReport(counts=counts(session))
    problems = report.problems
    revision = alembic_revision(session)
    if revision != manifest.alembic_revision:
        problems.append(f"phiên bản lược đồ {revision}, bản kê ghi {manifest.alembic_revision}")
    for name, expected in manifest.counts.items():
        if report.counts.get(name) != expected:
            problems.append(f"số {name}: {report.counts.get(name)}, bản kê ghi {expected}")
    rows, listed = set(stored_files(session)), set(manifest.files)
    problems += [f"tệp {f.sha256} có trong cơ sở dữ liệu, không có trong bản kê" for f in sorted(rows - listed,
                                                                                                  key=str)]
    problems += [f"tệp {f.sha256} có trong bản kê, không có trong cơ sở dữ liệu" for f in sorted(listed - rows,
                                                                                                  key=str)]
    problems += check_files(storage_dir, manifest.files)
    report.events_checked, breaks = verify_chains()
    problems += [f"nhật ký hồ sơ {b.dossier_id}, sự kiện #{b.seq}: {b.problem}" for b in breaks]
    _, log_breaks = audit.verify_chain()
    problems += [f"nhật ký quản trị, mục {b.entry_id or '-'} (#{b.seq or '-'}): {b.problem}" for b in log_breaks]
    report.years_checked = statistics_years()
    problems += statistics_problems(report.years_checked)
    return report


def statistics_years() -> list[int]:
    """Every year the day counts cover, and this year (as ``flask stats verify`` checks it)."""
    from portal.models.statistics import DossierDayCount
    from portal.models.types import utcnow
    from workflow.calendar import VN_TZ

    this_year = utcnow().astimezone(VN_TZ).year
    first, last = db.session.execute(select(func.min(DossierDayCount.day), func.max(DossierDayCount.day))).one()
    first_year = min(first.year, this_year) if first else this_year
    last_year = max(last.year, this_year) if last else this_year
    return list(range(first_year, last_year + 1))


def statistics_problems(years: list[int]) -> list[str]:
    from portal.statistics import periods
    from portal.statistics.queries import day_count_differences

    return [f"số liệu năm {year}, {label}: {figure} = {ours} theo ngày, {direct} đếm trực tiếp"
            for year in years for label, figure, ours, direct in day_count_differences(periods.year(year))]
