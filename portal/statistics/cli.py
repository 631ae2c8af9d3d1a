"""flask stats ...: plan targets; the day counts behind the dashboard.

Each command is one transaction (``command_boundary``): ``rebuild`` too, on purpose (the day
counts are replaced at once, never seen half rebuilt).
"""

from __future__ import annotations

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
    from portal.statistics.queries import day_count_differences
    from workflow.calendar import VN_TZ

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
