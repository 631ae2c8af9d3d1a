"""``flask backup create|verify|restore``: backups of the database and the file store
(PostgreSQL only; the logic is in ``portal.operations.backup``, the schedule and point-in-time
recovery in docs/backup.md).

    flask backup create /var/backups/dvc/2026-11-30
    flask backup verify /var/backups/dvc/2026-11-30
    flask backup restore /var/backups/dvc/2026-11-30 --database-url postgresql://dvc@db/dvc_restored \\
        --storage-dir /srv/dvc/files-restored

None of them writes a row through the application's session (``command_boundary`` still frames
them, as every command): ``create`` reads in its own read-only snapshot, ``restore`` writes into
another, empty database with ``pg_restore --single-transaction`` and then only reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app

from portal.extensions import db
from portal.operations import backup
from portal.operations.backup import BackupError
from portal.transaction import command_boundary


@click.group("backup", help="Sao lưu và phục hồi cơ sở dữ liệu (PostgreSQL) cùng kho tệp.")
def backup_group():
    pass


def _fail(error: BackupError):
    for problem in error.problems:
        click.echo(f"  - {problem}", err=True)
    raise click.ClickException(error.message)


def _describe(manifest: backup.Manifest) -> None:
    counts = manifest.counts
    click.echo(f"  thời điểm: {manifest.created_at} (UTC); phiên bản lược đồ: {manifest.alembic_revision}")
    click.echo(f"  hồ sơ: {counts.get('dossiers')}, sự kiện: {counts.get('events')}, tệp: {counts.get('files')}")
    click.echo(f"  bản kết xuất: {manifest.dump_size} byte, SHA-256 {manifest.dump_sha256}")


@backup_group.command("create", help="Tạo bản sao lưu vào thư mục DIRECTORY (trống hoặc chưa có): bản kết xuất "
                                     "pg_dump một thời điểm, bản sao kho tệp và bản kê manifest.json.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@command_boundary
def create_command(directory: Path):
    from portal.storage import storage_root

    try:
        manifest = backup.create_backup(directory, db.engine, storage_root())
    except BackupError as error:
        _fail(error)
    click.echo(f"Đã sao lưu vào {directory}:")
    _describe(manifest)


@backup_group.command("verify", help="Kiểm tra một bản sao lưu với bản kê của nó (mã băm bản kết xuất và mọi tệp), "
                                     "không phục hồi.")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_command(directory: Path):
    try:
        manifest = backup.verify_backup(directory)
    except BackupError as error:
        _fail(error)
    click.echo(f"Bản sao lưu {directory} khớp với bản kê:")
    _describe(manifest)


@backup_group.command("restore", help="Phục hồi bản sao lưu DIRECTORY vào một cơ sở dữ liệu TRỐNG và một thư mục "
                                      "kho tệp trống (hoặc chưa có), rồi kiểm tra toàn vẹn. Không bao giờ ghi đè.")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--database-url", required=True, help="Cơ sở dữ liệu đích, đã tạo và trống (createdb).")
@click.option("--storage-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục kho tệp đích, trống hoặc chưa có.")
@command_boundary
def restore_command(directory: Path, database_url: str, storage_dir: Path):
    try:
        target = backup.postgresql_url(database_url)
        manifest = backup.restore_backup(directory, database_url, storage_dir)
    except BackupError as error:
        _fail(error)
    with _bound_to(database_url, storage_dir):
        report = backup.check_restored(manifest, storage_dir)
    click.echo(f"Đã phục hồi {directory} vào {target.set(drivername='postgresql').render_as_string(hide_password=True)} và {storage_dir}:")
    _describe(manifest)
    counts = report.counts
    click.echo(f"  sau phục hồi: hồ sơ {counts['dossiers']}, sự kiện {counts['events']}, tệp {counts['files']}")
    click.echo(f"  chuỗi băm nhật ký: {report.events_checked} sự kiện đã kiểm tra")
    click.echo(f"  số liệu theo ngày: đã đối chiếu năm {', '.join(map(str, report.years_checked))}")
    click.echo(f"  kho tệp: {len(manifest.files)} tệp, kiểm tra mã băm với bản kê")
    if report.problems:
        for problem in report.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException(f"Bản phục hồi KHÔNG khớp bản sao lưu ({len(report.problems)} điểm); "
                                   "không dùng bản phục hồi này.")
    click.echo("Toàn vẹn: khớp bản kê, chuỗi băm nhật ký, số liệu theo ngày và kho tệp.")


@contextmanager
def _bound_to(database_url: str, storage_dir: Path) -> Iterator[None]:
    """An application context whose session reads the restored database and files (the same
    configuration otherwise), so that the checks are the ones ``flask audit verify`` and
    ``flask stats verify`` run."""
    from portal import i18n
    from portal.config import normalize_database_url
    from portal.database import configure_engines

    checker = Flask("portal.restore_check")
    checker.config.update(current_app.config)
    checker.config.update(SQLALCHEMY_DATABASE_URI=normalize_database_url(database_url),
                          SQLALCHEMY_BINDS={}, STORAGE_DIR=str(storage_dir))
    db.init_app(checker)
    configure_engines(checker)
    i18n.init_app(checker)  # the statistics rows carry translated labels
    with checker.app_context():
        try:
            yield
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
