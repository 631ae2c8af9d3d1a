"""Error pages for people and JSON errors for the API: a clear message, never a stack trace."""

from __future__ import annotations

import errno
import os

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db

API_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


#: What a full, read-only or failing disk raises while a file is written (``portal.storage``).
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def human_message(status: int) -> str:
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Bạn cần đăng nhập."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy trang hoặc hồ sơ bạn yêu cầu."),
        405: _("Thao tác này không được hỗ trợ."),
        409: _("Dữ liệu đã thay đổi hoặc thao tác không còn phù hợp. Vui lòng tải lại trang."),
        413: _("Tệp hoặc dữ liệu gửi lên quá lớn."),
        415: _("Định dạng dữ liệu không được hỗ trợ."),
        422: _("Dữ liệu chưa hợp lệ."),
        429: _("Bạn đã thử quá nhiều lần. Vui lòng thử lại sau."),
        500: _("Hệ thống gặp sự cố. Dữ liệu của bạn không bị thay đổi; vui lòng thử lại sau."),
    }
    return messages.get(status, _("Đã có lỗi xảy ra."))


def api_error(status: int, message: str | None = None, code: str | None = None, **extra):
    body = {"code": code or API_ERROR_CODES.get(status, "error"), "message": message or human_message(status)}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
        if wants_json():
            return api_error(400, message, "csrf")
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            response = api_error(status, human_message(status))
        else:
            response = app.make_response(
                (render_template("error.html", status=status, message=human_message(status)), status))
        # The error's own headers stay (``Allow`` of a 405, ``Retry-After``, ``WWW-Authenticate``).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OSError)
    def storage_error(error: OSError):
        """The file store cannot be written (a full disk, say): the citizen is told that nothing
        was filed and to try again later (503), and the operators get a critical log line."""
        if error.errno not in STORAGE_ERRNOS:
            return unexpected_error(error)
        db.session.rollback()  # the files this request wrote go with it (portal.storage)
        app.logger.critical("The file store cannot be written (%s) on %s %s",
                            os.strerror(error.errno), request.method, request.path)
        message = _("Hệ thống tạm thời không lưu được tệp. Không có gì được gửi hay thay đổi; "
                    "vui lòng thử lại sau ít phút.")
        if wants_json():
            response = api_error(503, message, "storage_unavailable")
        else:
            response = app.make_response((render_template("error.html", status=503, message=message), 503))
        response.headers["Retry-After"] = "300"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # The boundary (portal.transaction) rolls back a 500 too, but only after this page is
        # rendered: roll back first, so that the page (the signed-in user, the menus) reads the
        # stored state through a usable session (a failed flush leaves it unusable until then).
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return api_error(500)
        return render_template("error.html", status=500, message=human_message(500)), 500
