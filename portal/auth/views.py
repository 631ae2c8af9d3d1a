from __future__ import annotations

import time

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
from markupsafe import Markup

from portal.auth.forms import (
    LoginForm,
    NewPasswordForm,
    NotificationChannelsForm,
    PasswordChangeForm,
    PlainForm,
    RegistrationForm,
    ResetCodeForm,
    TotpCodeForm,
    VneidLinkForm,
)
from portal.extensions import db
from portal.i18n import clear_session_keeping_language
from portal.lazy import lazy_module
from portal.messages import message_for
from portal.models import User
from portal.operations import (
    account_changes,
    accounts,
    citizen_registry,
    password_resets,
    two_factor,
    vneid,
)
from portal.transaction import refused

# Authlib (and the JOSE and HTTP libraries under it) load at the first VNeID sign-in.
vneid_client = lazy_module("portal.auth.vneid")

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
    target = safe_next(url_for("office.index") if user.is_staff else url_for("auth.account"))
    clear_session_keeping_language()
    if two_factor.required(user, current_app.config["TWO_FACTOR_ROLES"]):
        # Half signed in: the signed session names the account and its session generation, but
        # nobody is logged in until the code is right (no page but the code's page is open).
        session[HALF_SIGNED_IN] = {"user": user.id, "generation": user.session_generation,
                                   "since": int(time.time()), "next": target}
        return redirect(url_for("auth.second_factor" if two_factor.enrolled(user) else "auth.enrol_second_factor"))
    return _signed_in(user, target)


def _signed_in(user: User, target: str):
    clear_session_keeping_language()
    login_user(user)
    session.permanent = True
    return redirect(target)


HALF_SIGNED_IN = "half_signed_in"
HALF_SIGNED_IN_SECONDS = 600


def _half_signed_in() -> User | None:
    """The account whose password was right a moment ago and whose code is awaited; None when
    there is none, it took too long, or the account was locked or its sessions ended since."""
    state = session.get(HALF_SIGNED_IN)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int) \
            or time.time() - state.get("since", 0) > HALF_SIGNED_IN_SECONDS:
        return None
    user = db.session.get(User, state["user"])
    if user is None or not user.is_active or user.session_generation != state.get("generation"):
        return None
    return user


def _start_again():
    session.pop(HALF_SIGNED_IN, None)
    flash(_("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/dang-nhap/ma-xac-thuc", methods=["GET", "POST"])
def second_factor():
    user = _half_signed_in()
    if user is None:
        return _start_again()
    if not two_factor.enrolled(user):
        return redirect(url_for("auth.enrol_second_factor"))
    form = TotpCodeForm()
    if form.validate_on_submit() and _code_accepted(form, lambda code, **kw: two_factor.check_code(user, code, **kw)):
        return _signed_in(user, session[HALF_SIGNED_IN]["next"])
    return render_template("auth/second_factor.html", form=form), (422 if form.errors else 200)


@bp.route("/dang-nhap/dang-ky-xac-thuc", methods=["GET", "POST"])
def enrol_second_factor():
    """The first sign-in of an account that must use a second factor: the secret (QR code and
    text) and a code that confirms the authenticator app has it."""
    user = _half_signed_in()
    if user is None:
        return _start_again()
    if two_factor.enrolled(user):
        return redirect(url_for("auth.second_factor"))
    form = TotpCodeForm()
    if form.validate_on_submit() and _code_accepted(
            form, lambda code, **kw: two_factor.confirm_enrolment(user, code, **kw)):
        flash(_("Đã bật xác thực hai bước cho tài khoản."), "success")
        return _signed_in(user, session[HALF_SIGNED_IN]["next"])
    secret = two_factor.enrolment_secret(user)
    import segno  # imported here: only the two-factor set-up page draws a QR code

    qr = segno.make(two_factor.provisioning_uri(user, secret), error="m")
    svg = Markup(qr.svg_inline(scale=5, omitsize=True, title=_("Mã QR để thêm tài khoản vào ứng dụng xác thực")))
    return render_template("auth/enrol_second_factor.html", form=form, qr=svg,
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4))), (422 if form.errors else 200)


def _code_accepted(form: TotpCodeForm, check) -> bool:
    try:
        check(form.code.data, address=client_address(),
              policy=accounts.ThrottlePolicy.from_config(current_app.config))
    except accounts.AccountError as error:
        refused(error)  # a wrong code is kept: the throttle counts it
        form.code.errors.append(message_for(error))
        return False
    return True


def _open_session(user: User):
    """A VNeID sign-in: citizens only (staff never sign in with VNeID), so no second factor."""
    return _signed_in(user, safe_next(url_for("office.index") if user.is_staff else url_for("auth.account")))


def _vneid_refused(error: vneid.VneidRefused):
    refused(error)
    flash(message_for(error), "error")
    return render_template("auth/login.html", form=LoginForm()), error.status


LINK_KEY = "vneid_link"  # the local account waiting for its password, and the verified ID number
LINK_SECONDS = 15 * 60  # how long the verified number waits for the local password


@bp.get("/dang-nhap/vneid")
def vneid_start():
    if not vneid_client.enabled():
        abort(404)
    try:
        return vneid_client.authorize_redirect(url_for("auth.vneid_callback", _external=True))
    except vneid.VneidRefused as error:
        return _vneid_refused(error)


@bp.get("/dang-nhap/vneid/ket-qua")
def vneid_callback():
    if not vneid_client.enabled():
        abort(404)
    try:
        identity = vneid_client.verified_identity()
        outcome = vneid.sign_in(identity, client_address=client_address())
    except vneid.VneidRefused as error:
        return _vneid_refused(error)
    if not outcome.needs_link:
        return _open_session(outcome.user)
    clear_session_keeping_language()
    session[LINK_KEY] = {"user_id": outcome.user.id, "id_number": outcome.user.id_number,
                         "username": outcome.user.username, "until": time.time() + LINK_SECONDS}
    return redirect(url_for("auth.vneid_link"))


@bp.route("/dang-nhap/vneid/lien-ket", methods=["GET", "POST"])
def vneid_link():
    """The citizen signed in with VNeID and a local account has the same ID number: its password,
    once, links them."""
    pending = session.get(LINK_KEY)
    if not pending or pending["until"] < time.time():
        session.pop(LINK_KEY, None)
        flash(message_for("vneid_link_expired"), "error")
        return redirect(url_for("auth.login"))
    form = VneidLinkForm()
    if form.validate_on_submit():
        try:
            user = vneid.link_local_account(
                pending["user_id"], pending["id_number"], form.password.data, client_address=client_address(),
                policy=accounts.ThrottlePolicy.from_config(current_app.config))
        except accounts.AccountError as error:
            refused(error)
            form.password.errors.append(message_for(error))
        else:
            flash(_("Đã liên kết tài khoản với VNeID. Từ nay bạn có thể đăng nhập bằng VNeID."), "success")
            return _open_session(user)
    return render_template("auth/vneid_link.html", form=form, username=pending["username"]), \
        (422 if form.errors else 200)


def _authenticate(form: LoginForm):
    """(the user, 200), or (None, the refusal's status) with the reason flashed. A failed attempt
    is kept although the answer is an error (``keeps_changes``): the throttle counts it."""
    try:
        return accounts.authenticate(
            form.username.data, form.password.data, client_address=client_address(),
            policy=accounts.ThrottlePolicy.from_config(current_app.config),
            two_factor_roles=current_app.config["TWO_FACTOR_ROLES"],
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
    return render_template("auth/account.html", channels_form=form, sources=citizen_registry.sources_of(user),
                           registry_enabled=citizen_registry.enabled(), confirm_form=PlainForm())


@bp.post("/tai-khoan/xac-minh-dan-cu")
@login_required
def confirm_with_registry():
    """The citizen asks the population database to confirm the profile and give the registered
    date of birth and permanent address."""
    if not PlainForm().validate_on_submit():
        abort(400)  # only a missing or stale CSRF token fails here
    try:
        outcome = citizen_registry.confirm_profile(current_user._get_current_object(), client_address=client_address())
    except accounts.AccountError as error:
        refused(error)
        flash(message_for(error), "error")
    else:
        if outcome.confirmed:
            flash(_("Đã xác minh họ tên và số định danh với Cơ sở dữ liệu quốc gia về dân cư; ngày sinh và địa chỉ "
                    "thường trú được cập nhật theo dữ liệu đã đăng ký."), "success")
        else:
            flash(message_for("registry_unavailable"), "error")
    return redirect(url_for("auth.account"))


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
    if not current_user.has_password:
        return render_template("auth/change_password.html", form=None)
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


@bp.route("/tai-khoan/dat-lai-mat-khau", methods=["GET", "POST"])
def reset_with_code():
    """The code an administrator handed over, typed with the username; wrong codes are throttled."""
    form = ResetCodeForm()
    if form.validate_on_submit():
        def find():
            return password_resets.check_code(form.username.data, form.code.data, address=client_address(),
                                              policy=accounts.ThrottlePolicy.from_config(current_app.config))
        if _password_reset(form, find, "code"):
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, with_code=True,
                           min_length=current_app.config["PASSWORD_MIN_LENGTH"]), (422 if form.errors else 200)


@bp.route("/tai-khoan/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
def reset_with_link(token: str):
    try:
        password_resets.find_reset(token)
    except password_resets.ResetRefused as error:
        return render_template("auth/reset_refused.html", message=message_for(error)), 410
    form = NewPasswordForm()
    if form.validate_on_submit() and _password_reset(form, lambda: password_resets.find_reset(token), "password"):
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, with_code=False,
                           min_length=current_app.config["PASSWORD_MIN_LENGTH"]), (422 if form.errors else 200)


def _password_reset(form: NewPasswordForm, find, field: str) -> bool:
    try:
        password_resets.complete_reset(find(), form.password.data, address=client_address(),
                                       min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except accounts.AccountError as error:
        refused(error)
        getattr(form, error.field or field).errors.append(message_for(error))
        return False
    flash(_("Đã đặt mật khẩu mới. Mời bạn đăng nhập."), "success")
    return True
