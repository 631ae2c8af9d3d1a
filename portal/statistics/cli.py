"""flask stats ...: plan targets."""

from __future__ import annotations

import click

from portal.extensions import db


@click.group("stats", help="Thống kê: chỉ tiêu kế hoạch.")
def stats_group():
    pass


@stats_group.command("load-targets", help="Nạp chỉ tiêu từ portal/catalogue/data/targets.yaml (chạy lại không thay đổi gì).")
@click.option("--reset", is_flag=True, help="Ghi đè các chỉ tiêu đã có bằng giá trị trong tệp.")
def load_targets_command(reset):
    from portal.statistics.targets import TargetFileError, load_targets

    try:
        report = load_targets(reset=reset)
    except TargetFileError as error:
        db.session.rollback()
        raise click.ClickException(f"Tệp chỉ tiêu có lỗi: {error}") from None
    db.session.commit()
    click.echo(f"Chỉ tiêu: {report['created']} mới, {report['updated']} cập nhật, {report['unchanged']} không đổi.")
