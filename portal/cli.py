"""Flask commands: catalogue, accounts, demo data."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.operations import accounts
from portal.operations.catalogue import CatalogueError, load_catalogue
from workflow.states import Role

DEMO_PASSWORD = "LaiChau2026"


def register_commands(app: Flask) -> None:
    app.cli.add_command(catalogue_group)
    app.cli.add_command(create_user)
    app.cli.add_command(demo_group)


@click.group("catalogue", help="Danh mục thủ tục hành chính.")
def catalogue_group():
    pass


@catalogue_group.command("load", help="Nạp (hoặc cập nhật) danh mục từ portal/catalogue/data. Chạy lại không thay đổi gì.")
def catalogue_load():
    try:
        report = load_catalogue()
    except CatalogueError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException("Danh mục có lỗi; không có gì được ghi.") from None
    db.session.commit()
    for kind in ("fields", "agencies", "procedures"):
        click.echo(f"{kind}: {report.created[kind]} mới, {report.updated[kind]} cập nhật, "
                   f"{report.unchanged[kind]} không đổi")


@click.command("create-user", help="Tạo tài khoản cán bộ hoặc quản trị.")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan (agencies.yaml).")
@click.option("--password", default=None, help="Không có thì hỏi (nhập ẩn).")
@click.option("--full-name", default=None)
@click.option("--position", default=None, help="Chức vụ, in trên chữ ký.")
def create_user(username, role, agency_code, password, full_name, position):
    if password is None:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_staff_user(
            username=username, password=password, role=role, agency_code=agency_code,
            full_name=full_name, position=position,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except accounts.AccountError as error:
        db.session.rollback()
        from portal.auth.messages import ACCOUNT_MESSAGES

        raise click.ClickException(str(ACCOUNT_MESSAGES[error.code])) from None
    db.session.commit()
    click.echo(f"Đã tạo {user.username} ({user.role}{', ' + agency_code if agency_code else ''}).")


@click.group("demo", help="Dữ liệu trình diễn (không dùng trong môi trường thật).")
def demo_group():
    pass


def _busiest_agency_code() -> str | None:
    from portal.models import Agency, Procedure

    row = db.session.execute(
        select(Agency.code).join(Procedure, Procedure.agency_id == Agency.id)
        .group_by(Agency.code).order_by(func.count(Procedure.id).desc(), Agency.code).limit(1)
    ).first()
    return row[0] if row else None


DEMO_STAFF = [
    ("admin", Role.ADMIN, "Quản trị hệ thống", None),
    ("motcua", Role.ONE_STOP_OFFICER, "Lò Thị Mai", "Cán bộ tiếp nhận"),
    ("chuyenvien", Role.SPECIALIST, "Tòng Văn Hùng", "Chuyên viên"),
    ("truongphong", Role.UNIT_LEADER, "Nguyễn Thị Hoa", "Trưởng phòng"),
    ("lanhdao", Role.AGENCY_LEADER, "Lê Văn Thắng", "Giám đốc"),
    ("vanthu", Role.CLERK, "Vàng Thị Dung", "Văn thư"),
]


@demo_group.command("accounts", help="Tạo tài khoản trình diễn cho mọi vai trò (chạy lại không tạo trùng).")
def demo_accounts():
    from portal.models import User

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Không tạo tài khoản trình diễn trong môi trường production.")
    agency_code = _busiest_agency_code()
    if agency_code is None:
        raise click.ClickException("Chưa có danh mục: chạy 'flask catalogue load' trước.")
    rows = []
    for username, role, name, position in DEMO_STAFF:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            accounts.create_staff_user(username=username, password=DEMO_PASSWORD, role=role.value,
                                       agency_code=None if role == Role.ADMIN else agency_code,
                                       full_name=name, position=position, min_password_length=8)
        rows.append((username, role.value))
    if db.session.scalar(select(User.id).where(User.username == "congdan")) is None:
        accounts.register_citizen(username="congdan", password=DEMO_PASSWORD, full_name="Nguyễn Thị Hồng Nhung",
                                  id_number="012190123456", phone="0912345678", email="congdan@example.vn",
                                  address="Phường Tân Phong, tỉnh Lai Châu", min_password_length=8)
    rows.append(("congdan", Role.CITIZEN.value))
    db.session.commit()
    click.echo(f"Tài khoản trình diễn (mật khẩu chung: {DEMO_PASSWORD}; cán bộ thuộc cơ quan {agency_code}):")
    for username, role in rows:
        click.echo(f"  {username:<12} {role}")
