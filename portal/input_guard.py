"""One guard against hostile characters in every request, before any view or database call.

A NUL byte, another C0 control character (tab, CR and LF excepted), DEL or a lone surrogate has no
place in any text this portal stores or looks up, and PostgreSQL refuses some of them outright
("text fields cannot contain NUL"), which would end in a server error. The guard reads what a
request can carry as text: the path, the query string, form fields (names and values), the
*names* of uploaded files (never their contents), every string of a JSON body (object keys
too) and the header values (RFC 9110 forbids control characters there), and answers 400 (JSON
for ``/api/``, the error page otherwise). A JSON body nested too deeply to parse is a 400 too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from flask import Flask, render_template, request
from flask_babel import gettext as _

from portal.errors import api_error, wants_json

#: C0 controls except tab (09), LF (0a) and CR (0d); DEL; UTF-16 surrogates (not encodable as UTF-8).
HOSTILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_hostile(text: str | None) -> bool:
    # A multipart part can come without a name or a file name (None): nothing to check there.
    return text is not None and HOSTILE.search(text) is not None


def json_strings(value: object) -> Iterator[str]:
    """Every string of a parsed JSON document, object keys included (iteratively: no recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from (key for key in item if isinstance(key, str))
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _name(key: str | None) -> str:
    """A multipart part without a name comes with the key None: refused like a hostile character
    (no form has such a field, and Flask-WTF's CSRF check would fail on it with a server error)."""
    return "\x00" if key is None else key


def _request_texts() -> Iterable[tuple[str, Iterable[str]]]:
    """Where a request carries text, lazily (the body is parsed only if the earlier parts pass)."""
    yield "path", (request.path,)
    yield "query", (text for key, value in request.args.items(multi=True) for text in (key, value))
    yield "headers", (text for key, value in request.headers.items() for text in (key, value))
    yield "form", (text for key, value in request.form.items(multi=True) for text in (_name(key), value))
    yield "file_name", (text for key, upload in request.files.items(multi=True)
                        for text in (_name(key), upload.filename or ""))
    if request.is_json:
        yield "json", json_strings(request.get_json(silent=True))


def hostile_part() -> str | None:
    """The first part of the request that carries a hostile character, or None."""
    for part, texts in _request_texts():
        if any(is_hostile(text) for text in texts):
            return part
    return None


def _refuse(part: str):
    message = _("Dữ liệu gửi lên chứa ký tự điều khiển không được phép.")
    if wants_json():
        return api_error(400, message, "control_characters", part=part)
    return render_template("error.html", status=400, message=message), 400


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_hostile_characters():
        try:
            part = hostile_part()
        except RecursionError:  # a JSON body nested thousands of levels deep
            part = "json"
        return _refuse(part) if part is not None else None
