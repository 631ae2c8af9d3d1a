"""``flask registry ...``: the population database from the command line (the same use case as
the pages and the API, ``portal.operations.citizen_registry``; every lookup audited).

    flask registry check 012190123456 "Nguyễn Thị Hồng Nhung" --by canbo.motcua
    flask registry confirm-user congdan --by admin
"""

from __future__ import annotations

import click
from sqlalchemy import select

from portal.extensions import db
from portal.messages import message_for
from portal.models import User
from portal.models.user import normalize_username
from portal.operations import citizen_registry
from portal.operations.accounts import AccountError
from portal.transaction import command_boundary


@click.group("registry", help="Cơ sở dữ liệu quốc gia về dân cư.")
def registry_group():
    pass


def _account(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise click.ClickException(f"Không có tài khoản “{username}”.")
    return user


@registry_group.command("check", help="Xác minh một số định danh và họ tên với CSDL dân cư (có ghi nhật ký).")
@click.argument("id_number")
@click.argument("full_name")
@click.option("--by", "by", required=True, help="Tên đăng nhập của cán bộ tra cứu (ghi vào nhật ký).")
@command_boundary
def check(id_number: str, full_name: str, by: str):
    if not citizen_registry.enabled():
        raise click.ClickException(message_for("registry_off"))
    found = citizen_registry.lookup(id_number.strip(), full_name, purpose=citizen_registry.Purpose.OFFICER_CHECK,
                                    actor=_account(by), client_address="cli")
    assert found is not None
    click.echo(f"outcome: {found.outcome.value}")
    if found.citizen is not None:
        click.echo(f"full_name: {found.citizen.full_name}")
        click.echo(f"date_of_birth: {found.citizen.date_of_birth.isoformat() if found.citizen.date_of_birth else ''}")
        click.echo(f"permanent_address: {found.citizen.permanent_address or ''}")


@registry_group.command("confirm-user", help="Xác minh tài khoản công dân với CSDL dân cư và cập nhật ngày sinh, "
                                             "địa chỉ thường trú.")
@click.argument("username")
@click.option("--by", "by", required=True, help="Tên đăng nhập của người thực hiện (ghi vào nhật ký).")
def confirm_user(username: str, by: str):
    outcome = _confirm(username, by)
    if isinstance(outcome, AccountError):
        raise click.ClickException(message_for(outcome))
    click.echo(f"outcome: {outcome.outcome.value}")
    for name, (before, after) in outcome.changes.items():
        click.echo(f"{name}: {before or '—'} -> {after}")


@command_boundary
def _confirm(username: str, by: str):
    """The outcome, or the refusal (returned, not raised: its lookup's audit entry is committed)."""
    try:
        return citizen_registry.confirm_profile(_account(username), actor=_account(by), client_address="cli")
    except AccountError as error:
        if not error.keeps_changes:
            raise click.ClickException(message_for(error)) from None
        return error
