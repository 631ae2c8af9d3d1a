"""``flask pki ...``: the deployment CA and signing certificates. Private keys are never printed.

Each command is one transaction (``command_boundary``): committed when it returns, rolled back
when it fails.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from portal.extensions import db
from portal.transaction import command_boundary


@click.group("pki", help="Chứng thư số: CA triển khai, cấp, nhập (PKCS#12), liệt kê, thu hồi.")
def pki_group():
    pass


def _fail(error) -> None:
    from portal.messages import MESSAGES, message_for
    from portal.operations.errors import DomainError

    if isinstance(error, DomainError) and error.code in MESSAGES:  # the sentence, then the cause
        raise click.ClickException(f"{message_for(error)} ({error.detail or error.code})")
    raise click.ClickException(getattr(error, "message", None) or getattr(error, "detail", None) or str(error))


def _user(username: str):
    from portal.models import User
    from portal.models.user import normalize_username

    user = db.session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise click.ClickException("Không tìm thấy tài khoản này.")
    return user


def _agency(code: str):
    from portal.models import Agency

    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise click.ClickException("Không tìm thấy cơ quan với mã này.")
    return agency


def _describe(row) -> str:
    return f"{row.purpose} serial={row.serial} {row.subject} (hiệu lực đến {row.not_after:%d/%m/%Y})"


KEY_TYPES = click.Choice(["rsa", "ec"])


@pki_group.command("init-ca", help="Tạo CA triển khai (dùng cho thử nghiệm, trình diễn); chạy lại không tạo thêm.")
@click.option("--key-type", type=KEY_TYPES, default="rsa", show_default=True)
@command_boundary
def init_ca(key_type):
    from portal.operations import certificates

    try:
        row, created = certificates.init_ca(key_type=key_type)
    except (certificates.PkiOperationError, certificates.DossierError) as error:
        _fail(error)
    click.echo(("Đã tạo CA: " if created else "CA đã có: ") + _describe(row))
    click.echo(f"SHA-256: {row.fingerprint}")


def _key_id(_ctx, _param, value):
    if value is None:
        return None
    try:
        key_id = bytes.fromhex(value.replace(":", ""))
    except ValueError:
        raise click.BadParameter("CKA_ID dạng hex, ví dụ 3f2a...") from None
    if not key_id:
        raise click.BadParameter("CKA_ID không được để trống.")
    return key_id


def token_options(command):
    """--pkcs11 / --pkcs11-key-id / --pkcs11-key-label: the key on the PKCS#11 token."""
    for option in reversed([
        click.option("--pkcs11", "pkcs11", is_flag=True,
                     help="Khóa trên thiết bị PKCS#11 (PKCS11_MODULE, PKCS11_TOKEN_LABEL, PKCS11_PIN): "
                          "tạo cặp khóa mới trên thiết bị, không bao giờ rời thiết bị."),
        click.option("--pkcs11-key-id", "key_id", callback=_key_id, default=None,
                     help="Dùng cặp khóa có sẵn trên thiết bị theo CKA_ID (hex)."),
        click.option("--pkcs11-key-label", "key_label", default=None,
                     help="Dùng cặp khóa có sẵn trên thiết bị theo nhãn (phải duy nhất; lưu lại theo CKA_ID)."),
    ]):
        command = option(command)
    return command


def _issue(on_token: bool, key_id, key_label, key_type: str, days: int, **owner):
    from portal.operations import certificates

    try:
        if on_token or key_id is not None or key_label is not None:
            if key_id is not None and key_label is not None:
                raise click.UsageError("Chỉ chọn một trong --pkcs11-key-id và --pkcs11-key-label.")
            return certificates.issue_on_token(key_id=key_id, key_label=key_label, key_type=key_type,
                                               valid_days=days, **owner)
        if "agency" in owner:
            return certificates.issue_seal(owner["agency"], key_type=key_type, valid_days=days)
        return certificates.issue_for_user(owner["user"], key_type=key_type, valid_days=days)[0]
    except (certificates.PkiOperationError, certificates.DossierError) as error:
        _fail(error)


@pki_group.command("issue", help="Cấp chứng thư số cá nhân cho một cán bộ (khóa lưu mã hóa trên máy chủ, "
                                 "hoặc trên thiết bị PKCS#11 với --pkcs11).")
@click.argument("username")
@click.option("--purpose", type=click.Choice(["person"]), default="person", show_default=True)
@click.option("--key-type", type=KEY_TYPES, default="rsa", show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=730, show_default=True)
@token_options
@command_boundary
def issue(username, purpose, key_type, days, pkcs11, key_id, key_label):
    user = _user(username)
    row = _issue(pkcs11, key_id, key_label, key_type, days, user=user)
    click.echo(f"Đã cấp cho {user.username}: {_describe(row)}")


@pki_group.command("issue-seal", help="Cấp chứng thư số của cơ quan (chữ ký số cơ quan, thay con dấu); "
                                      "--pkcs11: khóa trên thiết bị PKCS#11 (HSM).")
@click.argument("agency_code")
@click.option("--key-type", type=KEY_TYPES, default="rsa", show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=1095, show_default=True)
@token_options
@command_boundary
def issue_seal(agency_code, key_type, days, pkcs11, key_id, key_label):
    agency = _agency(agency_code)
    row = _issue(pkcs11, key_id, key_label, key_type, days, agency=agency)
    click.echo(f"Đã cấp cho {agency.code}: {_describe(row)}")


def _read_p12(file: str) -> bytes:
    path = Path(file)
    if not path.is_file() or path.stat().st_size > 1024 * 1024:
        raise click.ClickException("Không đọc được tệp PKCS#12 (không tồn tại hoặc quá lớn).")
    return path.read_bytes()


def _import(data: bytes, password: str | None, **owner):
    from portal.operations import certificates

    if password is None:
        password = click.prompt("Mật khẩu tệp PKCS#12", hide_input=True, default="", show_default=False)
    try:
        row = certificates.import_pkcs12(data, password.encode("utf-8") if password else None, **owner)
    except (certificates.PkiOperationError, certificates.DossierError) as error:
        _fail(error)
    trusted = certificates.is_trusted(row)
    click.echo(f"Đã nhập: {_describe(row)}")
    if not trusted:
        click.echo("Cảnh báo: CA gốc của chứng thư số này chưa có trong kho tin cậy (PKI_TRUST_DIR); "
                   "chữ ký sẽ được báo 'chưa xác định'.", err=True)


@pki_group.command("import", help="Nhập chứng thư số và khóa thật của một cán bộ từ tệp PKCS#12 (.p12/.pfx).")
@click.argument("username")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--password", default=None, help="Không có thì hỏi (nhập ẩn).")
@command_boundary
def import_p12(username, file, password):
    _import(_read_p12(file), password, user=_user(username))


@pki_group.command("import-seal", help="Nhập chứng thư số của cơ quan từ tệp PKCS#12.")
@click.argument("agency_code")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--password", default=None, help="Không có thì hỏi (nhập ẩn).")
@command_boundary
def import_seal(agency_code, file, password):
    _import(_read_p12(file), password, agency=_agency(agency_code))


@pki_group.command("list", help="Liệt kê chứng thư số (không bao giờ in khóa bí mật).")
@command_boundary
def list_certificates():
    from portal.models.types import utcnow
    from portal.operations import certificates

    now = utcnow()
    rows = certificates.list_certificates()
    if not rows:
        click.echo("Chưa có chứng thư số nào.")
        return
    for row in rows:
        key = _key_place(row)
        click.echo(f"{row.serial}  {row.purpose:<6} {_owner(row) or '-':<20} {_state(row, now):<22} "
                   f"đến {row.not_after:%d/%m/%Y}  {key}  {row.subject}")


def _key_place(row) -> str:
    from portal.operations import certificates

    if row.source == certificates.TOKEN_SOURCE:
        from signatures.token import key_id_of

        return f"khóa trên thiết bị PKCS#11 (CKA_ID {key_id_of(certificates.certificate_of(row)).hex()})"
    return "khóa trên máy chủ" if row.private_key_pem else "không có khóa"


def _state(row, now) -> str:
    if row.revoked_at is not None:
        return f"đã thu hồi {row.revoked_at:%d/%m/%Y}"
    return "hết hạn" if row.not_after < now else "còn hiệu lực"


def _owner(row) -> str:
    from portal.models import Agency, User

    if row.user_id:
        return db.session.get(User, row.user_id).username
    if row.agency_id:
        return db.session.get(Agency, row.agency_id).code
    return ""


@pki_group.command("revoke", help="Thu hồi một chứng thư số (theo số hiệu, dạng hex).")
@click.argument("serial")
@command_boundary
def revoke(serial):
    from portal.operations import certificates

    try:
        row = certificates.revoke(serial)
    except certificates.PkiOperationError as error:
        _fail(error)
    click.echo(f"Đã thu hồi: {_describe(row)}")


@pki_group.command("export-root", help="In chứng thư số CA gốc (PEM) để người dùng cài vào phần mềm đọc PDF.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None)
@command_boundary
def export_root(output):
    from portal.operations import certificates

    try:
        pem = certificates.root_pem()
    except certificates.PkiOperationError as error:
        _fail(error)
    if output:
        Path(output).write_text(pem, encoding="ascii")
        click.echo(f"Đã ghi {output}.")
    else:
        click.echo(pem, nl=False)
