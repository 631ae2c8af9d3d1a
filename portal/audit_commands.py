"""``flask audit``: the hash chains of the dossier events and of the administrators' audit log,
and the daily public audit anchor (docs/audit.md).

    flask audit verify               # every chain, every anchored root, signature and timestamp
    flask audit anchor [--day D]     # anchor every finished day not anchored yet (daily, scheduler)
    flask audit prove EVENT_ID       # the JSON inclusion proof of one event
"""

from __future__ import annotations

import json

import click

from portal.operations import anchors, audit
from portal.operations.errors import DomainError
from portal.operations.events import verify_chains
from portal.transaction import command_boundary


@click.group("audit", help="Nhật ký hồ sơ: chuỗi băm và neo kiểm chứng công khai hằng ngày.")
def audit_group():
    pass


@audit_group.command("verify", help="Tính lại chuỗi băm của nhật ký mọi hồ sơ, của nhật ký quản trị và gốc Merkle "
                                    "của mọi ngày đã neo (cùng chữ ký và dấu thời gian), báo chỗ bị sửa, xóa.")
@command_boundary
def audit_verify():
    checked, breaks = verify_chains()
    for item in breaks:
        click.echo(f"HỒ SƠ {item.dossier_id}, sự kiện #{item.seq}: {item.problem}", err=True)
    days, problems = anchors.verify_anchors()
    for item in problems:
        click.echo(f"NGÀY {item.day:%Y-%m-%d}: {item.problem}", err=True)
    entries, log_breaks = audit.verify_chain()
    for entry in log_breaks:
        click.echo(f"NHẬT KÝ QUẢN TRỊ, mục {entry.entry_id or '-'} (#{entry.seq or '-'}): {entry.problem}", err=True)
    if breaks or problems or log_breaks:
        raise click.ClickException(f"{len(breaks)} chỗ hỏng trong {checked} sự kiện, "
                                   f"{len(problems)} chỗ hỏng trong {days} ngày đã neo, "
                                   f"{len(log_breaks)} chỗ hỏng trong {entries} mục nhật ký quản trị.")
    click.echo(f"Toàn vẹn: {checked} sự kiện đã kiểm tra, không có chỗ hỏng; "
               f"{days} ngày đã neo khớp gốc, chữ ký và dấu thời gian; "
               f"{entries} mục nhật ký quản trị khớp chuỗi băm.")


@audit_group.command("anchor", help="Neo nhật ký: gốc Merkle của mọi sự kiện trong ngày, đóng dấu thời gian và ký. "
                                    "Không có --day: mọi ngày đã kết thúc chưa được neo. Chạy lại không thay đổi gì.")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Một ngày (YYYY-MM-DD).")
@command_boundary
def audit_anchor(day):
    try:
        rows = [anchors.anchor_day(day.date())] if day else [(row, True) for row in anchors.anchor_pending()]
    except DomainError as error:
        raise click.ClickException(f"Không neo được: {error.detail or error.code}.") from None
    for row, created in rows:
        state = "đã neo" if created else "đã có từ trước, không đổi"
        click.echo(f"{row.day:%Y-%m-%d}: {row.event_count} sự kiện, gốc {row.root} ({state})")
    if not rows:
        click.echo("Không có ngày nào cần neo.")


@audit_group.command("prove", help="In bằng chứng (JSON) rằng một sự kiện nằm trong gốc Merkle đã công bố của ngày đó.")
@click.argument("event_id", type=int)
@command_boundary
def audit_prove(event_id):
    try:
        proof = anchors.prove(event_id)
    except DomainError as error:
        raise click.ClickException(f"Không lập được bằng chứng: {error.detail or error.code}.") from None
    click.echo(json.dumps(proof.data, ensure_ascii=False, indent=2))
    if proof.problem:
        raise click.ClickException(f"Bằng chứng KHÔNG khớp với gốc đã công bố: {proof.problem}.")
