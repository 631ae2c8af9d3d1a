"""``flask payments ...``: settle payments left pending, and the daily reconciliation report.

``flask payments check-pending`` asks the provider about every payment still pending after
``PAYMENT_PENDING_CHECK_SECONDS`` (the citizen closed the page and the notification was lost)
and records the decisions it learns; run it from a timer every few minutes. Each payment is its
own transaction. ``flask payments reconcile`` compares what the provider says was paid on a day
with our payments and their dossiers (default: yesterday), prints the differences, can write
them to CSV or XLSX, and exits with status 1 when there is a difference (for an alert).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app

from portal.labels import RECONCILIATION_LABELS
from portal.operations import national, payments
from portal.payments import ProviderUnavailable, get_gateway
from portal.payments import report as export
from portal.transaction import command_boundary


@click.group("payments", help="Thanh toán phí, lệ phí trực tuyến.")
def payments_group():
    pass


def _gateway():
    gateway = get_gateway()
    if gateway is None:
        raise click.ClickException("Chưa cấu hình cổng thanh toán (PAYMENT_PROVIDER, PAYMENT_PLATFORM_URL).")
    return gateway


@command_boundary
def _check_one(payment_id: int, gateway, outcome: payments.PendingCheck) -> None:
    payments.check_pending(payment_id, gateway, outcome)


@payments_group.command("check-pending", help="Hỏi nền tảng thanh toán về các khoản còn chờ và ghi nhận kết quả.")
@click.option("--older-than", type=click.IntRange(0, 7 * 86400), default=None,
              help="Chỉ các khoản đã chờ quá số giây này (mặc định PAYMENT_PENDING_CHECK_SECONDS).")
def check_pending(older_than):
    gateway = _gateway()
    seconds = current_app.config["PAYMENT_PENDING_CHECK_SECONDS"] if older_than is None else older_than
    outcome = payments.PendingCheck()
    for payment_id in payments.pending_payments(gateway, timedelta(seconds=seconds)):
        _check_one(payment_id, gateway, outcome)
    click.echo(f"Đã hỏi {outcome.checked} khoản: {outcome.paid} đã thanh toán, {outcome.failed} không thành công, "
               f"{outcome.still_pending} còn chờ, {outcome.unavailable} không hỏi được.")
    if outcome.unavailable:
        raise SystemExit(1)


@command_boundary
def _reconcile(day, gateway) -> payments.Reconciliation:
    return payments.reconcile(day, gateway)


@payments_group.command("reconcile", help="Đối soát các khoản đã thu trong một ngày (mặc định: hôm qua).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
def reconcile(day, csv_path, xlsx_path):
    gateway = _gateway()
    chosen = day.date() if day else national.yesterday()
    try:
        result = _reconcile(chosen, gateway)
    except ProviderUnavailable as error:
        raise click.ClickException(f"Nền tảng thanh toán không trả lời: {error}") from None
    click.echo(f"Đối soát ngày {chosen:%d/%m/%Y}: {len(result.lines)} khoản, {len(result.mismatches)} chênh lệch; "
               f"nền tảng {result.provider_total} đ, hồ sơ {result.portal_total} đ.")
    for line in result.mismatches:
        click.echo(f"  {RECONCILIATION_LABELS[line.kind]}: {line.reference} (hồ sơ {line.dossier_code or '-'}; "
                   f"nền tảng {line.provider_amount if line.provider_amount is not None else '-'}, "
                   f"hồ sơ {line.portal_amount if line.portal_amount is not None else '-'})")
    if csv_path:
        csv_path.write_bytes(export.to_csv(result))
    if xlsx_path:
        xlsx_path.write_bytes(export.to_xlsx(result))
    if result.mismatches:
        raise SystemExit(1)
