"""``flask user``: lock, unlock, change the role of, or reset the password of an account. Each
of them (but unlock) ends every web session and API token of the account at once.

    flask user lock lanhdao
    flask user set-role chuyenvien --role unit_leader --agency so-tai-chinh
    flask user set-password congdan
"""

from __future__ import annotations

import click
from flask import current_app

from portal.messages import message_for
from portal.operations import account_changes
from portal.operations.accounts import AccountError
from portal.transaction import command_boundary
from workflow.states import Role


@click.group("user", help="Tài khoản: khóa, mở khóa, đổi vai trò, đặt lại mật khẩu.")
def user_group():
    pass


def _run(change) -> None:
    try:
        change()
    except AccountError as error:
        raise click.ClickException(message_for(error)) from None


@user_group.command("lock", help="Khóa tài khoản; mọi phiên đăng nhập và mã truy cập API kết thúc.")
@click.argument("username")
@command_boundary
def lock(username):
    _run(lambda: account_changes.set_active(account_changes.find_user(username), False))
    click.echo(f"Đã khóa {username}; mọi phiên đăng nhập và mã truy cập của tài khoản đã kết thúc.")


@user_group.command("unlock", help="Mở khóa tài khoản.")
@click.argument("username")
@command_boundary
def unlock(username):
    _run(lambda: account_changes.set_active(account_changes.find_user(username), True))
    click.echo(f"Đã mở khóa {username}.")


@user_group.command("set-role", help="Đổi vai trò (và cơ quan); mọi phiên và mã truy cập kết thúc.")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan (agencies.yaml).")
@command_boundary
def set_role(username, role, agency_code):
    _run(lambda: account_changes.change_role(account_changes.find_user(username), role, agency_code))
    click.echo(f"{username}: vai trò {role}; mọi phiên đăng nhập và mã truy cập của tài khoản đã kết thúc.")


@user_group.command("set-password", help="Đặt lại mật khẩu; mọi phiên và mã truy cập kết thúc.")
@click.argument("username")
@click.option("--password", default=None, help="Không có thì hỏi (nhập ẩn).")
@command_boundary
def set_password(username, password):
    if password is None:
        password = click.prompt("Mật khẩu mới", hide_input=True, confirmation_prompt=True)
    _run(lambda: account_changes.change_password(
        account_changes.find_user(username), current="", new=password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"]))
    click.echo(f"Đã đặt lại mật khẩu của {username}; mọi phiên đăng nhập và mã truy cập đã kết thúc.")
