from __future__ import annotations

from flask import (
    Blueprint,
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

from portal.auth.forms import LoginForm, RegistrationForm
from portal.messages import MESSAGES as ACCOUNT_MESSAGES
from portal.operations import accounts, audit
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
    user = _register(form) if form.validate_on_submit() else None
    if user is not None:
        login_user(user)
        flash(_("Đăng ký thành công. Chào mừng %(name)s!", name=user.full_name), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/register.html", form=form,
                           min_length=current_app.config["PASSWORD_MIN_LENGTH"]), (422 if form.errors else 200)


def _register(form: RegistrationForm):
    """The new citizen account; None when refused (the reason shown on the field concerned)."""
    try:
        return accounts.register_citizen(
            username=form.username.data, password=form.password.data,
            full_name=form.full_name.data, id_number=form.id_number.data,
            phone=form.phone.data, email=form.email.data,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
            client_address=client_address(),
        )
    except accounts.AccountError as error:
        refused(error)
        getattr(form, error.field or "username").errors.append(str(ACCOUNT_MESSAGES[error.code]))
        return None


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    form = LoginForm()
    user, status = _authenticate(form) if form.validate_on_submit() else (None, 200)
    if user is None:
        return render_template("auth/login.html", form=form), status
    session.clear()
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
        flash(str(ACCOUNT_MESSAGES[error.code]), "error")
        return None, error.status


@bp.post("/dang-xuat")
@login_required
def logout():
    audit.record("auth.logout", user=current_user, address=client_address())
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("catalogue.home"))


@bp.get("/tai-khoan")
@login_required
def account():
    return render_template("auth/account.html")
