"""``flask national ...``: deliver the outbox's national channel, write the daily statistics.

``flask national sync`` delivers what is due once and exits (for a timer; ``--loop`` keeps
going). Each batch is its own transaction (``command_boundary``): a run killed in the middle
loses at most the marks of its current batch, whose messages are then delivered again with the
same event ids (the receiver drops repeats).
"""

from __future__ import annotations

import time
from datetime import date

import click
from flask import current_app

from portal.models.filing import OutboxChannel
from portal.operations import national, outbox
from portal.transaction import command_boundary


@click.group("national", help="Đồng bộ với Cổng Dịch vụ công quốc gia.")
def national_group():
    pass


@command_boundary
def _batch(transport, size: int, skip: set[int]) -> outbox.BatchResult:
    return outbox.drain_batch(OutboxChannel.NATIONAL, transport, size, skip)


@command_boundary
def _daily(day: date) -> int:
    return national.enqueue_daily_statistics(day)


def sync_once(batch: int, transport=None) -> outbox.BatchResult:
    """Deliver every due message (a message that fails is not tried again in this run)."""
    transport = transport or national.Deliverer.from_config()
    total, failed = outbox.BatchResult(), set()
    while True:
        result = _batch(transport, batch, failed)
        if not result.claimed:
            return total
        failed.update(result.failed_ids)
        total.claimed += result.claimed
        total.delivered += result.delivered
        total.failed += result.failed
        total.parked += result.parked


@national_group.command("sync", help="Gửi các thông điệp đang chờ tới Cổng DVC quốc gia một lần rồi thoát "
                                     "(--loop: chạy liên tục).")
@click.option("--batch", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option("--loop", is_flag=True, help="Chạy liên tục, nghỉ --interval giây giữa các lượt.")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True)
@click.option("--no-daily", is_flag=True, help="Không tự thêm thống kê ngày hôm qua còn thiếu.")
def national_sync(batch, loop, interval, no_daily):
    if not current_app.config.get("NATIONAL_PORTAL_URL"):
        raise click.ClickException("Chưa cấu hình NATIONAL_PORTAL_URL; các thông điệp được giữ trong hộp thư đi.")
    while True:
        if not no_daily:
            _daily(national.yesterday())
        result = sync_once(batch)
        click.echo(f"Đã gửi {result.delivered} thông điệp; {result.failed} lỗi (sẽ thử lại), "
                   f"{result.parked} tạm dừng.")
        if not loop:
            if result.failed:
                raise SystemExit(1)
            return
        time.sleep(interval)


@national_group.command("daily-stats", help="Thêm thông điệp thống kê một ngày của từng cơ quan (mặc định: hôm qua).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def national_daily_stats(day):
    written = _daily(day.date() if day else national.yesterday())
    click.echo(f"Đã thêm {written} thông điệp thống kê.")
