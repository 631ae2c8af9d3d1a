"""The administrators' users pages (/quan-tri/nguoi-dung) and the audit log (/quan-tri/nhat-ky).

Every change goes through the use cases ``flask user`` also calls (``account_changes``,
``password_resets``, ``two_factor``), each audited with the account before and after it."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import roles_required
from portal.admin.account_forms import AccountActionForm, NewStaffForm, StaffForm
from portal.extensions import db
from portal.i18n import current_language
from portal.labels import ROLE_LABELS
from portal.messages import message_for
from portal.models import Agency, User
from portal.operations import account_changes, audit, password_resets, two_factor
from portal.operations.accounts import AccountError
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("accounts_admin", __name__, url_prefix="/quan-tri", template_folder="templates")


def _page() -> int:
    raw = request.args.get("page", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1


def _agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.code)))


@bp.get("/nguoi-dung")
@roles_required(Role.ADMIN)
def users():
    args = {key: request.args.get(key, "").strip()[:100] for key in ("q", "role", "agency", "state")}
    page = _page()
    rows, total = account_changes.search_users(text=args["q"], role=args["role"], agency_code=args["agency"],
                                               state=args["state"], page=page)
    pages = max(1, -(-total // account_changes.PAGE_SIZE))
    return render_template("admin/users.html", users=rows, total=total, page=page, pages=pages, args=args,
                           roles=list(Role), agencies=_agencies())


def _fill_choices(form: StaffForm) -> None:
    form.role.choices = [(r.value, str(ROLE_LABELS[r])) for r in Role if r is not Role.CITIZEN]
    language = current_language()
    form.agency.choices = [("", _("— Không thuộc cơ quan (chỉ quản trị hệ thống) —"))] + [
        (a.code, a.name(language)) for a in _agencies()]


def _reset_link_base() -> str:
    return url_for("auth.reset_with_link", token="", _external=True)


def _lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["PASSWORD_RESET_LIFETIME_SECONDS"])


def _form_refused(form: StaffForm, error: AccountError) -> None:
    refused(error)
    field = getattr(form, error.field or "", None) or form.full_name
    field.errors = [*field.errors, message_for(error)]


@bp.route("/nguoi-dung/moi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = NewStaffForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            user, code = account_changes.create_staff_account(
                username=form.username.data, full_name=form.full_name.data, position=form.position.data,
                role=form.role.data, agency_code=form.agency.data or None, email=form.email.data,
                phone=form.phone.data, reset_lifetime=_lifetime(), link_base=_reset_link_base(),
                by=current_user._get_current_object())
        except AccountError as error:
            _form_refused(form, error)
        else:
            return _reset_sheet(user, code, created=True)
    return render_template("admin/user_new.html", form=form), (422 if form.errors else 200)


def _reset_sheet(user: User, code: str, *, created: bool = False):
    """The page the administrator prints or reads out: shown once, never stored, never cached."""
    response = current_app.make_response(render_template(
        "admin/reset_sheet.html", account=user, created=created, code=password_resets.formatted(code),
        link=_reset_link_base() + code, hours=current_app.config["PASSWORD_RESET_LIFETIME_SECONDS"] // 3600))
    response.headers["Cache-Control"] = "no-store"
    return response


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user(user_id: int):
    """An account: its details, the edit form (staff only: a citizen's data is theirs) and the
    administrator's actions."""
    account = _account(user_id)
    form = None
    if account.role != Role.CITIZEN.value:
        form = StaffForm(obj=account if request.method == "GET" else None)
        _fill_choices(form)
        if request.method == "GET":
            form.agency.data = account.agency.code if account.agency else ""
        elif form.validate_on_submit() and _saved(account, form):
            flash(_("Đã lưu thông tin tài khoản %(username)s.", username=account.username), "success")
            return redirect(url_for("accounts_admin.user", user_id=account.id))
    elif request.method == "POST":
        error = AccountError("citizen_not_editable")
        refused(error)
        flash(message_for(error), "error")
        return redirect(url_for("accounts_admin.user", user_id=account.id))
    return render_template("admin/user.html", account=account, form=form, action_form=AccountActionForm(),
                           two_factor_enrolled=two_factor.enrolled(account)), (422 if form and form.errors else 200)


def _saved(account: User, form: StaffForm) -> bool:
    try:
        account_changes.update_staff(account, full_name=form.full_name.data, position=form.position.data,
                                     role=form.role.data, agency_code=form.agency.data or None,
                                     email=form.email.data, phone=form.phone.data,
                                     by=current_user._get_current_object())
    except AccountError as error:
        _form_refused(form, error)
        return False
    return True


def _act(user_id: int, change, done: str):
    """A button on an account's page: the change, then back to the page (refusals flashed)."""
    account = _account(user_id)
    if not AccountActionForm().validate_on_submit():
        flash(_("Yêu cầu không hợp lệ."), "error")
        return redirect(url_for("accounts_admin.user", user_id=account.id))
    try:
        change(account, current_user._get_current_object())
    except AccountError as error:
        refused(error)
        flash(message_for(error), "error")
    else:
        flash(done % {"username": account.username}, "success")
    return redirect(url_for("accounts_admin.user", user_id=account.id))


@bp.post("/nguoi-dung/<int:user_id>/khoa")
@roles_required(Role.ADMIN)
def lock(user_id: int):
    return _act(user_id, lambda account, by: account_changes.set_active(account, False, by=by),
                _("Đã khóa tài khoản %(username)s; mọi phiên đăng nhập và mã truy cập API của tài khoản đã kết thúc."))


@bp.post("/nguoi-dung/<int:user_id>/mo-khoa")
@roles_required(Role.ADMIN)
def unlock(user_id: int):
    return _act(user_id, lambda account, by: account_changes.set_active(account, True, by=by),
                _("Đã mở khóa tài khoản %(username)s."))


@bp.post("/nguoi-dung/<int:user_id>/dat-lai-xac-thuc")
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    return _act(user_id, lambda account, by: two_factor.reset(account, by=by),
                _("Đã đặt lại xác thực hai bước của %(username)s; lần đăng nhập sau người dùng đăng ký lại."))


@bp.post("/nguoi-dung/<int:user_id>/dat-lai-mat-khau")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    account = _account(user_id)
    if not AccountActionForm().validate_on_submit():
        flash(_("Yêu cầu không hợp lệ."), "error")
        return redirect(url_for("accounts_admin.user", user_id=account.id))
    code = password_resets.start_reset(account, lifetime=_lifetime(), link_base=_reset_link_base(),
                                       by=current_user._get_current_object())
    return _reset_sheet(account, code)


@bp.get("/nhat-ky")
@roles_required(Role.ADMIN)
def audit_log():
    args = {key: request.args.get(key, "").strip()[:64] for key in ("action", "actor", "object_type", "object_id")}
    page = _page()
    entries, total = audit.list_entries(**args, page=page)
    return render_template("admin/audit_log.html", entries=entries, total=total, page=page,
                           pages=max(1, -(-total // audit.PAGE_SIZE)), args=args, actions=audit.actions())
