from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth.forms import (
    LoginForm,
    NotificationChannelsForm,
    PasswordChangeForm,
    RegistrationForm,
)
from portal.i18n import clear_session_keeping_language
from portal.messages import message_for
from portal.operations import account_changes, accounts
from portal.transaction import refused

bp = Blueprint("auth", __name__, template_folder="templates")


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def safe_next(default: str) -> str:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.route("/dang-ky", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegistrationForm()
    if form.validate_on_submit() and _register(form):
        # The same answer whether an account was created or the ID number already had one
        # (its owner is told by their own channels): see accounts.register_citizen.
        flash(message_for("registration_received"), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form,
                           min_length=current_app.config["PASSWORD_MIN_LENGTH"]), (422 if form.errors else 200)


def _register(form: RegistrationForm) -> bool:
    """True when the registration was received; False when refused (the reason shown on the
    field concerned)."""
    try:
        accounts.register_citizen(
            username=form.username.data, password=form.password.data,
            full_name=form.full_name.data, id_number=form.id_number.data,
            phone=form.phone.data, email=form.email.data,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            client_address=client_address(),
        )
    except accounts.AccountError as error:
        refused(error)
        getattr(form, error.field or "username").errors.append(message_for(error))
        return False
    return True


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    form = LoginForm()
    user, status = _authenticate(form) if form.validate_on_submit() else (None, 200)
    if user is None:
        return render_template("auth/login.html", form=form), status
    clear_session_keeping_language()
    login_user(user)
    session.permanent = True
    return redirect(safe_next(url_for("office.index") if user.is_staff else url_for("auth.account")))


def _authenticate(form: LoginForm):
    """(the user, 200), or (None, the refusal's status) with the reason flashed. A failed attempt
    is kept although the answer is an error (``keeps_changes``): the throttle counts it."""
    try:
        return accounts.authenticate(
            form.username.data, form.password.data, client_address=client_address(),
            policy=accounts.ThrottlePolicy.from_config(current_app.config),
        ), 200
    except accounts.AccountError as error:
        refused(error)
        flash(message_for(error), "error")
        return None, error.status


@bp.post("/dang-xuat")
@login_required
def logout():
    """Ends every web session and API token of the account, not only this cookie."""
    accounts.logout(current_user, address=client_address())
    logout_user()
    clear_session_keeping_language()
    flash(_("Bạn đã đăng xuất."), "info")
    response = redirect(url_for("catalogue.home"))
    # The offline reader's copies of this person's pages leave the device with the session.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/tai-khoan")
@login_required
def account():
    user = current_user
    form = NotificationChannelsForm(data={"email": user.notify_email, "sms": user.notify_sms, "zalo": user.notify_zalo})
    return render_template("auth/account.html", channels_form=form)


@bp.post("/tai-khoan/kenh-thong-bao")
@login_required
def notification_channels():
    form = NotificationChannelsForm()
    if not form.validate_on_submit():
        abort(400)  # only a missing or stale CSRF token fails here
    account_changes.set_notification_channels(current_user._get_current_object(), email=form.email.data,
                                               sms=form.sms.data, zalo=form.zalo.data)
    flash(_("Đã lưu các kênh nhận thông báo."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/tai-khoan/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password ends every other session and API token; this browser stays signed in."""
    form = PasswordChangeForm()
    if form.validate_on_submit() and _change_password(form):
        login_user(current_user._get_current_object())  # the session, under the new generation
        session.permanent = True
        flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác và mọi mã truy cập API của tài khoản đã kết thúc."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form,
                           min_length=current_app.config["PASSWORD_MIN_LENGTH"]), (422 if form.errors else 200)


def _change_password(form: PasswordChangeForm) -> bool:
    try:
        account_changes.change_password(
            current_user._get_current_object(), current=form.current_password.data, new=form.password.data,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"], address=client_address(),
            policy=accounts.ThrottlePolicy.from_config(current_app.config),
        )
    except accounts.AccountError as error:
        refused(error)  # a wrong current password is kept: the throttle counts it
        getattr(form, error.field or "current_password").errors.append(message_for(error))
        return False
    return True
