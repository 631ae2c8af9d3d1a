"""flask stats ...: plan targets; the day counts behind the dashboard.

Each command is one transaction (``command_boundary``): ``rebuild`` too, on purpose (the day
counts are replaced at once, never seen half rebuilt).
"""

from __future__ import annotations

from pathlib import Path

import click

from portal.extensions import db
from portal.transaction import command_boundary


@click.group("stats", help="Thống kê: chỉ tiêu kế hoạch, số liệu theo ngày.")
def stats_group():
    pass


@stats_group.command("load-targets", help="Nạp chỉ tiêu từ portal/catalogue/data/targets.yaml (chạy lại không thay đổi gì).")
@click.option("--reset", is_flag=True, help="Ghi đè các chỉ tiêu đã có bằng giá trị trong tệp.")
@command_boundary
def load_targets_command(reset):
    from portal.statistics.targets import TargetFileError, load_targets

    try:
        report = load_targets(reset=reset)
    except TargetFileError as error:
        raise click.ClickException(f"Tệp chỉ tiêu có lỗi: {error}") from None
    click.echo(f"Chỉ tiêu: {report['created']} mới, {report['updated']} cập nhật, {report['unchanged']} không đổi.")


@stats_group.command("import-catalogue", help="Nạp danh mục thủ tục hành chính của tỉnh (mọi thủ tục, mức độ, đủ điều "
                                             "kiện trực tuyến toàn trình) từ tệp CSV/XLSX; chạy lại không thay đổi gì.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ báo cáo, không ghi gì.")
@command_boundary
def import_catalogue_command(path: Path, dry_run: bool):
    from portal.messages import message_for
    from portal.operations.national_catalogue import NationalExportError
    from portal.operations.province_catalogue import read_catalogue
    from portal.operations.statistics import import_catalogue

    try:
        rows = read_catalogue(path.name, path.read_bytes())
    except NationalExportError as error:
        raise click.ClickException(message_for(error)) from None
    report = import_catalogue(rows, source=path.name)
    click.echo(f"Danh mục: {len(rows)} dòng; {report['created']} mới, {report['updated']} cập nhật, "
               f"{report['unchanged']} không đổi; {report['linked']} thủ tục có trên Cổng."
               + (" (chạy thử: không ghi gì)" if dry_run else ""))
    if dry_run:
        db.session.rollback()


@stats_group.command("push-report", help="Đưa báo cáo định kỳ (Biểu 06a) của một kỳ vào hàng đợi gửi Cổng DVC quốc gia "
                                         "(khi đã cấu hình NATIONAL_PORTAL_URL); cùng số liệu thì không gửi lại.")
@click.option("--kind", type=click.Choice(["month", "quarter", "half", "nine_months", "year"]), required=True)
@click.option("--year", "year_", type=click.IntRange(2000, 2100), required=True)
@click.option("--number", type=int, default=None, help="Tháng hoặc quý.")
@click.option("--basis", type=click.Choice(["calendar", "nd09"]), default="nd09", show_default=True)
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan (mặc định: toàn tỉnh).")
@command_boundary
def push_report_command(kind, year_, number, basis, agency_code):
    from sqlalchemy import select

    from portal.messages import message_for
    from portal.models import Agency
    from portal.operations.statistics import ReportError, push_periodic_report
    from portal.statistics import periods

    try:
        period = periods.build(kind, year_, number, basis=basis)
    except periods.PeriodError as error:
        raise click.ClickException(message_for(error.code)) from None
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.ClickException(f"Không có cơ quan '{agency_code}'.")
    try:
        message, new = push_periodic_report(period, agency)
    except ReportError as error:
        raise click.ClickException(message_for(error.code)) from None
    click.echo(f"{period.label()}: " + ("đã đưa vào hàng đợi" if new else "cùng số liệu đã có trong hàng đợi")
               + f" (thông điệp {message.event_id}); `flask national sync` sẽ gửi.")


@stats_group.command("rebuild", help="Tính lại toàn bộ bảng số liệu theo ngày (dossier_day_counts) và số đếm "
                                     "hàng đợi (queue_counts, queue_due_counts) từ hồ sơ, trong một giao dịch.")
@command_boundary
def rebuild_command():
    from portal.statistics.daily import rebuild

    rows = rebuild(db.session.connection())
    click.echo(f"Đã tính lại số liệu theo ngày: {rows} dòng; số đếm hàng đợi cũng đã được tính lại.")


@stats_group.command("verify", help="Đối chiếu số liệu theo ngày với số đếm trực tiếp trên hồ sơ của một năm "
                                    "(mọi chỉ tiêu, theo cơ quan và theo tháng).")
@click.option("--year", "year_", type=click.IntRange(2000, 2100), default=None,
              help="Năm đối chiếu (mặc định: năm nay).")
@command_boundary
def verify_command(year_):
    from portal.models.types import utcnow
    from portal.statistics import periods, queue_counts
    from portal.statistics.qd766 import IndexFileError, load_index
    from portal.statistics.queries import day_count_differences
    from workflow.calendar import VN_TZ

    try:
        groups = load_index()
    except IndexFileError as error:
        raise click.ClickException(f"Tệp chỉ số QĐ 766 có lỗi: {error}") from None
    unchecked = sum(not c.checked for g in groups for c in g.criteria)
    click.echo(f"Chỉ số QĐ 766: {sum(len(g.criteria) for g in groups)} tiêu chí, {unchecked} chưa đối chiếu với Phụ lục.")
    year_ = year_ or utcnow().astimezone(VN_TZ).year
    differences = day_count_differences(periods.year(year_))
    for label, figure, ours, direct in differences:
        click.echo(f"{label}: {figure} = {ours} theo ngày, {direct} đếm trực tiếp")
    queue_differences = queue_counts.verify(db.session.connection())
    for table, key, ours, direct in queue_differences:
        click.echo(f"{table} {key}: {ours} đã lưu, {direct} đếm trực tiếp")
    if differences or queue_differences:
        raise click.ClickException(f"Năm {year_}: {len(differences)} số liệu theo ngày lệch, "
                                   f"{len(queue_differences)} số đếm hàng đợi lệch; chạy `flask stats rebuild`.")
    click.echo(f"Năm {year_}: số liệu theo ngày khớp với hồ sơ.")
    click.echo("Số hồ sơ trên các tab hàng đợi (queue_counts, queue_due_counts) khớp với hồ sơ.")
