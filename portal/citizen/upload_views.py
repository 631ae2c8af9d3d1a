"""Resumable uploads of a dossier's documents: the server side of the tus 1.0 core protocol
(https://tus.io/protocols/resumable-upload) with its creation and termination extensions, under
``/ho-so/<dossier_id>/tai-len/``, for the documents page's script (``static/js/uploads.js``).

* ``OPTIONS .../tai-len/``: the protocol version, extensions and the largest file.
* ``POST .../tai-len/`` with ``Upload-Length`` and ``Upload-Metadata`` (``filename`` and
  ``document``, base64): a new upload, ``201`` with its ``Location``.
* ``HEAD .../tai-len/<id>``: ``Upload-Offset``, what the server holds (to resume after a drop).
* ``PATCH .../tai-len/<id>`` with ``Upload-Offset`` and a body of type
  ``application/offset+octet-stream``: the next chunk, ``204`` with the new offset. The last
  chunk attaches the file to the dossier (``portal.operations.upload_sessions``).
* ``DELETE .../tai-len/<id>``: the upload is abandoned.

The session cookie and the CSRF token (``X-CSRFToken``, checked by CSRFProtect for every method
but HEAD and OPTIONS) authenticate as on the page; another citizen's dossier or upload is a 404.
A refusal answers JSON ``{"error": code, "message": sentence}``, the sentence naming the file
and the document.
"""

from __future__ import annotations

import base64
import binascii

from flask import Response, jsonify, request, url_for
from flask_login import current_user

from portal.citizen.common import bp, citizen_only, limits, upload_refused, with_dossier
from portal.messages import message_for
from portal.operations import upload_sessions
from portal.operations.filing import FilingError

TUS_VERSION = "1.0.0"
CHUNK_TYPE = "application/offset+octet-stream"


def _tus(response: Response, status: int) -> Response:
    response.status_code = status
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(dossier, key: str, filename: str | None, error: FilingError) -> Response:
    body = {"error": error.code, "message": upload_refused(dossier, key, filename, error)}
    return _tus(jsonify(body), error.status)


def _bad_request(dossier, key: str = "", filename: str | None = None) -> Response:
    return _refusal(dossier, key, filename, FilingError("upload_request_invalid", 400))


def _metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (invalid ones are dropped)."""
    values = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if len(parts) == 2:
            try:
                values[parts[0]] = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                continue
    return values


def _number(header: str | None) -> int | None:
    return int(header) if header and header.isascii() and header.isdigit() and len(header) <= 12 else None


@bp.route("/<int:dossier_id>/tai-len/", methods=["OPTIONS"], provide_automatic_options=False)
@citizen_only
@with_dossier
def upload_options(dossier):
    response = _tus(Response(), 204)
    response.headers.update({"Tus-Version": TUS_VERSION, "Tus-Extension": "creation,termination",
                             "Tus-Max-Size": str(limits().max_file)})
    return response


@bp.post("/<int:dossier_id>/tai-len/")
@citizen_only
@with_dossier
def upload_start(dossier):
    meta = _metadata(request.headers.get("Upload-Metadata", ""))
    key, filename = meta.get("document", ""), meta.get("filename")
    size = _number(request.headers.get("Upload-Length"))
    if request.headers.get("Tus-Resumable") != TUS_VERSION or size is None or not key:
        return _bad_request(dossier, key, filename)
    try:
        upload = upload_sessions.start(dossier, current_user, key, filename, size, limits())
    except FilingError as error:
        return _refusal(dossier, key, filename, error)
    response = _tus(Response(), 201)
    response.headers["Location"] = url_for("citizen.upload_chunk", dossier_id=dossier.id, upload_id=upload.id)
    return response


@bp.route("/<int:dossier_id>/tai-len/<upload_id>", methods=["HEAD"])
@citizen_only
@with_dossier
def upload_offset(dossier, upload_id: str):
    try:
        upload = upload_sessions.own_upload(dossier, current_user, upload_id)
    except FilingError:
        return _tus(Response(), 404)
    response = _tus(Response(), 200)
    response.headers.update({"Upload-Offset": str(upload.received), "Upload-Length": str(upload.declared_size)})
    return response


@bp.route("/<int:dossier_id>/tai-len/<upload_id>", methods=["PATCH"])
@citizen_only
@with_dossier
def upload_chunk(dossier, upload_id: str):
    try:
        upload = upload_sessions.own_upload(dossier, current_user, upload_id, lock=True)
    except FilingError as error:
        return _tus(jsonify({"error": error.code, "message": message_for(error)}), error.status)
    key, filename = upload.document_key, upload.filename
    offset = _number(request.headers.get("Upload-Offset"))
    if request.headers.get("Tus-Resumable") != TUS_VERSION or offset is None:
        return _bad_request(dossier, key, filename)
    if request.mimetype != CHUNK_TYPE:
        return _refusal(dossier, key, filename, FilingError("upload_request_invalid", 415))
    chunk = request.stream.read(upload.declared_size - offset + 1) if offset <= upload.declared_size else b"x"
    try:
        attached = upload_sessions.append(upload, dossier, current_user, offset, chunk, limits())
    except FilingError as error:
        return _refusal(dossier, key, filename, error)
    response = _tus(Response(), 204)
    response.headers["Upload-Offset"] = str(offset + len(chunk))
    if attached is not None:
        response.headers["Upload-File-Id"] = str(attached.id)
    return response


@bp.route("/<int:dossier_id>/tai-len/<upload_id>", methods=["DELETE"])
@citizen_only
@with_dossier
def upload_cancel(dossier, upload_id: str):
    try:
        upload_sessions.terminate(upload_sessions.own_upload(dossier, current_user, upload_id))
    except FilingError:
        return _tus(Response(), 404)
    return _tus(Response(), 204)
