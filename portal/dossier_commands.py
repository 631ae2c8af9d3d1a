"""``flask dossier act``: a staff action on a dossier from the shell, through the same command as
the office page and the API (for operators replaying paper decisions, scripts and support).

    flask dossier act 261130-0001 accept --as motcua --checked don-de-nghi --checked cccd
    flask dossier act 42 return_result --as motcua --delivery desk
"""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import select

from portal.extensions import db
from portal.messages import message_for
from portal.models import Dossier, User
from portal.operations import commands
from portal.operations.errors import DomainError
from portal.transaction import command_boundary


@click.group("dossier", help="Hồ sơ: thực hiện thao tác như trên trang Một cửa và API.")
def dossier_group():
    pass


def _dossier(reference: str) -> Dossier:
    query = select(Dossier).where(Dossier.id == int(reference)) if reference.isdigit() else \
        select(Dossier).where(Dossier.code == reference.strip())
    dossier = db.session.scalar(query)
    if dossier is None:
        raise click.ClickException(f"Không tìm thấy hồ sơ {reference}.")
    return dossier


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"Không có tài khoản {username}.")
    return user


@dossier_group.command("act", help="Thực hiện một thao tác (accept, forward, return_result, ...) thay cho một cán bộ.")
@click.argument("reference")
@click.argument("action")
@click.option("--as", "username", required=True, help="Tài khoản cán bộ thực hiện.")
@click.option("--version", type=int, help="Phiên bản hồ sơ đã xem (mặc định: phiên bản hiện tại).")
@click.option("--reason", default="", help="Lý do / ý kiến.")
@click.option("--item", "items", multiple=True, help="Nội dung cần bổ sung (lặp lại cho mỗi mục).")
@click.option("--checked", multiple=True, help="Giấy tờ đã kiểm tra khi tiếp nhận (lặp lại).")
@click.option("--assignee", help="Tài khoản người nhận bước tiếp theo.")
@click.option("--delivery", help="Hình thức trả kết quả: desk, post, online.")
@click.option("--new-due", type=click.DateTime(["%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z"]),
              help="Ngày hẹn mới, có múi giờ: 2027-01-20T16:00+0700.")
@click.option("--generate-draft", is_flag=True, help="Tạo dự thảo kết quả từ dữ liệu hồ sơ.")
@command_boundary
def act(reference: str, action: str, username: str, version: int | None, reason: str, items: tuple[str, ...],
        checked: tuple[str, ...], assignee: str | None, delivery: str | None, new_due: datetime | None,
        generate_draft: bool):
    dossier, actor = _dossier(reference), _user(username)
    values = {"version": version if version is not None else dossier.version, "reason": reason, "items": list(items),
              "checked": list(checked), "assignee_id": _user(assignee).id if assignee else None,
              "delivery": delivery, "new_due_at": new_due, "generate": generate_draft}
    try:
        dossier = commands.run(dossier.id, action, actor, values)
    except DomainError as error:
        raise click.ClickException(message_for(error)) from None
    click.echo(f"{dossier.code or dossier.id}: {dossier.status} (phiên bản {dossier.version})")
