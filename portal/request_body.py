"""The body of a request with files: read from the server in one call, parsed in memory up to
``UPLOAD_MEMORY_BYTES``, and each file handed to the use case without a copy (docs/uploads.md,
"Parsing")."""

from __future__ import annotations

import io
import typing as t

from flask import Request, current_app
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import ClientDisconnected


class PortalRequest(Request):
    """Uploaded files are kept in memory when the whole request is at most
    ``UPLOAD_MEMORY_BYTES``, instead of Werkzeug's temporary file past 500 KB: every upload is read
    whole anyway (type, structure, SHA-256, then written to the storage), so spooling it to a
    temporary file first cost a second disk write and a read back. Such a request's body is also
    read from the server in one call before it is parsed (``_read_whole_body``). A larger request
    (or one of unknown length) is spooled to disk as before; ``MAX_CONTENT_LENGTH`` bounds them all."""

    def _load_form_data(self) -> None:
        if "form" not in self.__dict__ and self._fits_in_memory():
            self._read_whole_body()
            super()._load_form_data()
            del self._cached_data  # parsed: the body is not kept twice (Werkzeug's get_data is then empty, as usual)
        else:
            super()._load_form_data()

    def _fits_in_memory(self) -> bool:
        length, limit = self.content_length, self.max_content_length
        return (length is not None and length <= current_app.config["UPLOAD_MEMORY_BYTES"]
                and (limit is None or length <= limit) and self.mimetype == "multipart/form-data"
                and getattr(self, "_cached_data", None) is None and "stream" not in self.__dict__)

    def _read_whole_body(self) -> None:
        """The body in one read from the WSGI server, kept as the request's data, which the
        parser then reads from memory. Werkzeug's parser reads its input 64 KiB at a time, and
        gunicorn answers each such read by copying what it has buffered ahead (up to 1 MiB) twice:
        about 30 MB of copying for a 2 MB request, a quarter of the CPU a bare upload costs."""
        length, source = self.content_length, self.environ["wsgi.input"]
        parts, received = [], 0
        while received < length:
            part = source.read(length - received)
            if not part:
                raise ClientDisconnected()  # a 400, like Werkzeug's own stream on a short body
            parts.append(part)
            received += len(part)
        self._cached_data = parts[0] if len(parts) == 1 else b"".join(parts)

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> t.IO[bytes]:
        if total_content_length is not None and total_content_length <= current_app.config["UPLOAD_MEMORY_BYTES"]:
            return io.BytesIO()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)


def upload_bytes(upload: FileStorage, limit: int) -> bytes:
    """The bytes of an uploaded file, reading at most ``limit`` + 1 of them (one more than the
    limit says it is too large). A file parsed in memory (``PortalRequest``) is handed over
    without a copy: its buffer becomes the bytes (a megabyte copied, and its pages faulted in,
    less per file)."""
    stream = upload.stream
    if isinstance(stream, io.BytesIO) and stream.tell() == 0:
        return stream.getvalue()  # already in memory: within UPLOAD_MEMORY_BYTES
    return stream.read(limit + 1)
