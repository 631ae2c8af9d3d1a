"""``flask user``: create a staff account, lock, unlock, change the role of, reset the password
or the two-factor sign-in of an account (the same use cases as the users admin pages). Each of
them (but create and unlock) ends every web session and API token of the account at once.

    flask user create chuyenvien --full-name "Lò Thị Mai" --role specialist --agency so-tai-chinh
    flask user lock lanhdao
    flask user set-role chuyenvien --role unit_leader --agency so-tai-chinh
    flask user set-password congdan
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app

from portal.messages import message_for
from portal.operations import account_changes, password_resets, two_factor
from portal.operations.accounts import AccountError
from portal.transaction import command_boundary
from workflow.states import Role


@click.group("user", help="Tài khoản: tạo, khóa, mở khóa, đổi vai trò, đặt lại mật khẩu, xác thực hai bước.")
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


def _reset_link_base() -> str:
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + "/tai-khoan/dat-lai-mat-khau/"


def _lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["PASSWORD_RESET_LIFETIME_SECONDS"])


def _echo_code(username: str, code: str) -> None:
    click.echo(f"Mã đặt lại mật khẩu của {username} (dùng một lần, trao cho người dùng): "
               f"{password_resets.formatted(code)}")


@user_group.command("create", help="Tạo tài khoản cán bộ; in mã đặt lại mật khẩu dùng một lần để trao cho người dùng.")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role if r is not Role.CITIZEN]))
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan (agencies.yaml).")
@click.option("--position", default=None, help="Chức vụ, in trên chữ ký.")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@command_boundary
def create(username, full_name, role, agency_code, position, email, phone):
    def change():
        return account_changes.create_staff_account(
            username=username, full_name=full_name, position=position, role=role, agency_code=agency_code,
            email=email, phone=phone, reset_lifetime=_lifetime(), link_base=_reset_link_base())
    try:
        user, code = change()
    except AccountError as error:
        raise click.ClickException(message_for(error)) from None
    click.echo(f"Đã tạo {user.username} ({user.role}).")
    _echo_code(user.username, code)


@user_group.command("reset-password", help="Cấp mã đặt lại mật khẩu dùng một lần (mật khẩu cũ hết hiệu lực); "
                                           "mọi phiên và mã truy cập kết thúc.")
@click.argument("username")
@command_boundary
def reset_password(username):
    user = _found(username)
    _echo_code(user.username, password_resets.start_reset(user, lifetime=_lifetime(), link_base=_reset_link_base()))


@user_group.command("reset-2fa", help="Đặt lại xác thực hai bước (mất điện thoại); mọi phiên và mã truy cập kết thúc.")
@click.argument("username")
@command_boundary
def reset_2fa(username):
    two_factor.reset(_found(username))
    click.echo(f"Đã đặt lại xác thực hai bước của {username}; lần đăng nhập sau người dùng đăng ký lại.")


def _found(username: str):
    try:
        return account_changes.find_user(username)
    except AccountError as error:
        raise click.ClickException(message_for(error)) from None
