"""Flask commands: catalogue, accounts, demo data.

Each command is one transaction (``command_boundary``): it commits when the command returns and
rolls back when it fails (a ``click.ClickException`` included), so a refused command writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from portal.dossier_commands import dossier_group
from portal.extensions import db
from portal.operations import accounts, result_signing
from portal.operations.catalogue import CatalogueError, load_catalogue, write_export
from portal.transaction import command_boundary
from workflow.states import Role

DEMO_PASSWORD = "LaiChau2026"


def register_commands(app: Flask) -> None:
    app.cli.add_command(catalogue_group)
    app.cli.add_command(create_user)
    app.cli.add_command(demo_group)
    from portal.demo import generate_command

    demo_group.add_command(generate_command)
    from portal.audit_commands import audit_group

    app.cli.add_command(audit_group)
    app.cli.add_command(calendar_group)
    app.cli.add_command(files_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(dossier_group)
    from portal.backup_commands import backup_group

    app.cli.add_command(backup_group)
    from portal.account_commands import user_group

    app.cli.add_command(user_group)
    from portal.pki_commands import pki_group

    app.cli.add_command(pki_group)
    from portal.statistics.cli import stats_group

    app.cli.add_command(stats_group)
    from portal.national_commands import national_group

    app.cli.add_command(national_group)
    from portal.payment_commands import payments_group

    app.cli.add_command(payments_group)
    from portal.registry_commands import registry_group

    app.cli.add_command(registry_group)


@click.group("catalogue", help="Danh mục thủ tục hành chính.")
def catalogue_group():
    pass


@catalogue_group.command("load", help="Nạp (hoặc cập nhật) danh mục từ portal/catalogue/data. Chạy lại không thay đổi gì.")
@command_boundary
def catalogue_load():
    try:
        report = load_catalogue()
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException("Danh mục có lỗi; không có gì được ghi.") from None
    for kind in ("fields", "agencies", "procedures"):
        click.echo(f"{kind}: {report.created[kind]} mới, {report.updated[kind]} cập nhật, "
                   f"{report.unchanged[kind]} không đổi")


@catalogue_group.command("export", help="Ghi danh mục hiện hành (kể cả thay đổi trên trang quản trị) ra thư mục DIR, "
                         "cùng cấu trúc portal/catalogue/data; nạp lại các tệp này không thay đổi gì.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@command_boundary
def catalogue_export(directory: Path):
    count = write_export(directory)
    click.echo(f"Đã ghi {count} tệp vào {directory}")


@catalogue_group.command("import-national", help="Cập nhật mã, tên, thời hạn, phí của các thủ tục từ tệp xuất (XLSX/CSV) "
                         "của CSDL quốc gia về TTHC, mỗi thay đổi là một phiên bản mới; chạy lại không thay đổi gì.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ báo cáo, không ghi gì.")
@command_boundary
def catalogue_import_national(path: Path, dry_run: bool):
    from portal.messages import message_for
    from portal.operations import national_catalogue

    try:
        rows = national_catalogue.read_export(path.name, path.read_bytes())
    except national_catalogue.NationalExportError as error:
        raise click.ClickException(message_for(error)) from None
    report = national_catalogue.import_export(rows, source=path.name)
    for code, changed in report.changed.items():
        click.echo(f"{code}:")
        for attribute, (before, after) in changed.items():
            click.echo(f"  {attribute}: {_short(before)} -> {_short(after)}")
    for code, reason in report.refused.items():
        click.echo(f"{code}: không cập nhật được ({reason})", err=True)
    for row in report.unmatched:
        click.echo(f"dòng {row.line}: {row.national_code} “{row.name_vi}” không có trong danh mục của tỉnh")
    for note in report.notes:
        click.echo(f"lưu ý: {note}")
    click.echo(f"{len(rows)} dòng, {report.matched} khớp với danh mục, {len(report.changed)} thủ tục thay đổi"
               + (" (chạy thử: không ghi gì)" if dry_run else ""))
    if dry_run:
        db.session.rollback()


def _short(value) -> str:
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']:,}".replace(",", ".") + " đ"
    if isinstance(value, list):
        return f"{len(value)} mục: " + ", ".join(f"{v.get('key')} {v.get('hours')} h" for v in value if isinstance(v, dict))
    return "(trống)" if value in (None, "") else str(value)


@click.command("create-user", help="Tạo tài khoản cán bộ hoặc quản trị.")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan (agencies.yaml).")
@click.option("--password", default=None, help="Không có thì hỏi (nhập ẩn).")
@click.option("--full-name", default=None)
@click.option("--position", default=None, help="Chức vụ, in trên chữ ký.")
@command_boundary
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
        from portal.messages import message_for

        raise click.ClickException(message_for(error)) from None
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

# The joined-up birth procedure (LC-18, link-up): the ward that decides it and the two agencies
# taking steps of it (docs/lifecycle.md, "Link-up between agencies").
DEMO_LINK_UP_STAFF = [
    ("phuong.motcua", Role.ONE_STOP_OFFICER, "ubnd-phuong-doan-ket", "Lù Thị Xuân", "Công chức một cửa"),
    ("phuong.tuphap", Role.SPECIALIST, "ubnd-phuong-doan-ket", "Sùng A Páo", "Công chức tư pháp - hộ tịch"),
    ("phuong.lanhdao", Role.AGENCY_LEADER, "ubnd-phuong-doan-ket", "Đèo Văn Long", "Chủ tịch UBND phường"),
    ("phuong.vanthu", Role.CLERK, "ubnd-phuong-doan-ket", "Giàng Thị Chở", "Văn thư"),
    ("congan.doanket", Role.SPECIALIST, "cong-an-phuong-doan-ket", "Tao Văn Minh", "Cán bộ đăng ký cư trú"),
    ("bhxh.chuyenvien", Role.SPECIALIST, "bhxh-tinh", "Vì Thị Lan", "Chuyên viên cấp thẻ BHYT"),
]


@demo_group.command("accounts", help="Tạo tài khoản trình diễn cho mọi vai trò (chạy lại không tạo trùng).")
@command_boundary
def demo_accounts():
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Không tạo tài khoản trình diễn trong môi trường production.")
    agency_code = _busiest_agency_code()
    if agency_code is None:
        raise click.ClickException("Chưa có danh mục: chạy 'flask catalogue load' trước.")
    rows = _demo_users(agency_code)
    click.echo(f"Tài khoản trình diễn (mật khẩu chung: {DEMO_PASSWORD}; cán bộ thuộc cơ quan {agency_code}):")
    for username, role in rows:
        click.echo(f"  {username:<12} {role}")


def _demo_users(agency_code: str) -> list[tuple[str, str]]:
    """The demo accounts, created when missing: (username, role) of each."""
    from portal.models import Agency, User

    rows = []
    for username, role, name, position in DEMO_STAFF:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            accounts.create_staff_user(username=username, password=DEMO_PASSWORD, role=role.value,
                                       agency_code=None if role == Role.ADMIN else agency_code,
                                       full_name=name, position=position, min_password_length=8)
        rows.append((username, role.value))
    known_agencies = set(db.session.scalars(select(Agency.code)))
    for username, role, code, name, position in DEMO_LINK_UP_STAFF:
        if code not in known_agencies:
            continue
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            accounts.create_staff_user(username=username, password=DEMO_PASSWORD, role=role.value, agency_code=code,
                                       full_name=name, position=position, min_password_length=8)
        rows.append((username, f"{role.value} ({code})"))
    if db.session.scalar(select(User.id).where(User.username == "congdan")) is None:
        accounts.register_citizen(username="congdan", password=DEMO_PASSWORD, full_name="Nguyễn Thị Hồng Nhung",
                                  id_number="012190123456", phone="0912345678", email="congdan@example.vn",
                                  address="Phường Tân Phong, tỉnh Lai Châu", min_password_length=8)
    rows.append(("congdan", Role.CITIZEN.value))
    return rows


@click.group("calendar", help="Lịch làm việc: ngày nghỉ, ngày làm bù, giờ làm việc.")
def calendar_group():
    pass


@calendar_group.command("show", help="Ngày nghỉ lễ (theo luật) và các điều chỉnh của một năm.")
@click.option("--year", type=int, default=None)
@command_boundary
def calendar_show(year):
    from datetime import date

    from portal.operations.calendar import list_overrides, working_calendar

    year = year or date.today().year
    calendar = working_calendar()
    click.echo(f"Ngày nghỉ lễ, Tết năm {year} (Bộ luật Lao động 2019, gói holidays):")
    for day in sorted(calendar.public_days_off(year)):
        click.echo(f"  {day:%d/%m/%Y} ({_WEEKDAYS[day.weekday()]})")
    click.echo("Điều chỉnh đã công bố:")
    for row in list_overrides(year):
        kind = "nghỉ" if row.kind == "day_off" else "làm việc (làm bù)"
        click.echo(f"  {row.day:%d/%m/%Y} {kind}: {row.note}")
    spans = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in calendar.working_hours.periods)
    click.echo(f"Giờ làm việc mặc định: {spans}")


_WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def _override_command(name: str, kind: str, help_text: str):
    @calendar_group.command(name, help=help_text)
    @click.argument("day", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]))
    @click.option("--note", required=True, help="Căn cứ (văn bản thông báo).")
    @command_boundary
    def command(day, note):
        from portal.operations.calendar import CalendarError, set_override

        try:
            set_override(day.date(), kind, note)
        except CalendarError as error:
            raise click.ClickException(error.code) from None
        click.echo(f"Đã ghi {day:%d/%m/%Y}: {'ngày nghỉ' if kind == 'day_off' else 'ngày làm việc'}.")

    return command


_override_command("add-day-off", "day_off", "Thêm ngày nghỉ được công bố (ví dụ nghỉ Tết thêm).")
_override_command("add-working-day", "working_day", "Thêm ngày làm bù (ví dụ một thứ Bảy).")


@calendar_group.command("remove", help="Bỏ một điều chỉnh.")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]))
@command_boundary
def calendar_remove(day):
    from portal.operations.calendar import remove_override

    if not remove_override(day.date()):
        raise click.ClickException("Ngày này không có điều chỉnh.")
    click.echo("Đã bỏ.")


@calendar_group.command("working-hours", help="Đặt giờ làm việc, ví dụ: 07:00-11:30 13:30-17:00")
@click.argument("periods", nargs=-1, required=True)
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan; bỏ trống: mặc định toàn tỉnh.")
@command_boundary
def calendar_working_hours(periods, agency_code):
    from portal.models import Agency
    from portal.operations.calendar import CalendarError, set_working_hours

    agency_id = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.ClickException("Không tìm thấy cơ quan với mã này.")
        agency_id = agency.id
    try:
        set_working_hours([p.split("-", 1) for p in periods], agency_id)
    except (CalendarError, ValueError):
        raise click.ClickException("Giờ làm việc không hợp lệ (dạng HH:MM-HH:MM, tăng dần, không chồng nhau).") from None
    click.echo("Đã lưu giờ làm việc.")


@click.group("files", help="Tệp đính kèm.")
def files_group():
    pass


@files_group.command("gc", help="Xóa các tệp không còn bản ghi nào tham chiếu (do sự cố giữa chừng) và các lượt "
                                   "tải lên dở dang đã hết hạn.")
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê, không xóa.")
@command_boundary
def files_gc(dry_run):
    from portal.operations import upload_sessions
    from portal.storage import orphan_paths

    if not dry_run:
        click.echo(f"{upload_sessions.expire()} lượt tải lên dở dang đã hết hạn được xóa.")
    orphans = orphan_paths()
    for path in orphans:
        click.echo(str(path))
        if not dry_run:
            path.unlink(missing_ok=True)
    click.echo(f"{len(orphans)} tệp mồ côi{' (chưa xóa)' if dry_run else ' đã xóa'}.")


@click.group("outbox", help="Thông báo gửi đi (thư điện tử, SMS, Zalo) và ký số kết quả đang chờ.")
def outbox_group():
    pass


#: The channels ``flask outbox send`` drains, and the setting each needs (``None``: none).
OUTBOX_SEND_CHANNELS = {"email": "MAIL_SERVER", "sms": "SMS_GATEWAY_URL", "zalo": "ZALO_API_URL", "signing": None}


@outbox_group.command("send", help="Gửi các thư, SMS, tin Zalo đang chờ và ký số các kết quả lãnh đạo đã quyết định "
                                   "(chạy định kỳ, ví dụ mỗi phút). Kênh chưa cấu hình thì thông báo được giữ "
                                   "trong hộp thư đi.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--channel", type=click.Choice(["all", *OUTBOX_SEND_CHANNELS]), default="all", show_default=True,
              help="all: mọi kênh đã cấu hình (ký số kết quả: luôn).")
def outbox_send(limit, channel):
    chosen = list(OUTBOX_SEND_CHANNELS) if channel == "all" else [channel]
    configured = [name for name in chosen
                  if OUTBOX_SEND_CHANNELS[name] is None or current_app.config.get(OUTBOX_SEND_CHANNELS[name])]
    if not configured:
        settings = ", ".join(OUTBOX_SEND_CHANNELS[name] for name in chosen)
        raise click.ClickException(f"Chưa cấu hình {settings}; thông báo được giữ trong hộp thư đi.")
    failed = 0
    for name in configured:
        if name == "email":
            failed += _deliver_outbox(limit)
        elif name == "signing":
            failed += _run_signing_jobs(limit)
        else:
            failed += _deliver_messages(name, limit)
    if failed:
        raise SystemExit(1)  # after the commit: the failures are recorded, and retried later


@command_boundary
def _deliver_outbox(limit: int) -> int:
    """Send the e-mails that are waiting; the number of messages that failed."""
    from portal.operations.notifications import deliver_outbox

    sent, failed = deliver_outbox(limit)
    click.echo(f"Đã gửi {sent} thư; {failed} thư lỗi, sẽ thử lại.")
    return failed


@command_boundary
def _messages_batch(channel: str, limit: int, skip: set[int]):
    from portal.operations import messaging

    return messaging.deliver(channel, limit, skip)


@command_boundary
def _signing_job(skip: set[int]):
    return result_signing.drain(skip)


def _drain_committed(batch, rounds: int | None = None) -> tuple[int, int, int]:
    """Call ``batch(skip)`` (one committed outbox batch) until nothing is due, at most ``rounds``
    times; a message that fails is not tried again in this run. Returns (delivered, failed, parked)."""
    delivered, parked, failed = 0, 0, set()
    while rounds is None or rounds > 0:
        result = batch(failed)
        if not result.claimed:
            break
        failed.update(result.failed_ids)
        delivered, parked = delivered + result.delivered, parked + result.parked
        rounds = None if rounds is None else rounds - 1
    return delivered, len(failed), parked


def _run_signing_jobs(limit: int) -> int:
    """At most ``limit`` due signing jobs, one committed transaction each; the number that failed."""
    signed, failed, parked = _drain_committed(_signing_job, rounds=limit)
    click.echo(f"signing: đã ký {signed} kết quả; {failed} lỗi (sẽ thử lại), {parked} tạm dừng.")
    return failed


def _deliver_messages(channel: str, limit: int) -> int:
    """Every due SMS or Zalo message, ``limit`` a committed batch; the number that failed."""
    delivered, failed, parked = _drain_committed(lambda skip: _messages_batch(channel, limit, skip))
    click.echo(f"{channel}: đã gửi {delivered}; {failed} lỗi (sẽ thử lại), {parked} tạm dừng.")
    return failed
