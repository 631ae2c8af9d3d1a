"""The body of a request with files: read from the server in one call, parsed in memory up to
``UPLOAD_MEMORY_BYTES``, and each file handed to the use case without a copy (docs/uploads.md,
"Parsing")."""

from __future__ import annotations

import io
import typing as t

from flask import Request, current_app
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.http import parse_options_header


class InMemoryFormDataParser(FormDataParser):
    """Werkzeug's form parser, with a direct split of a multipart body that is in memory whole
    (``PortalRequest._read_whole_body``) when it has the plain shape clients send: the first
    boundary at the start (or after a line break), CRLF line breaks, each part's headers on
    single lines, and the boundary nowhere but between parts. Werkzeug's parser decodes a body
    64 KiB at a time through regular expressions compiled per request, copying every byte three
    or four times (2-3 ms for two 1 MB files here); the split finds each boundary with
    ``bytes.find`` in one pass over the body and copies each part once (about 0.6 ms). Any other body (a
    preamble, a lone LF or CR, a folded header, a boundary-like line inside a part, whitespace
    after a boundary, an undecodable header...) goes to Werkzeug's parser as before, so the
    answer is Werkzeug's for every body (tests/unit/test_multipart_split.py holds the two to the
    same answers on generated and mangled bodies), limits included: ``MAX_FORM_MEMORY_SIZE``
    for the text fields and ``MAX_FORM_PARTS`` (413)."""

    def _parse_multipart(self, stream: t.IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]):
        boundary = options.get("boundary", "").encode("ascii")
        limit = self.max_form_memory_size
        if (boundary and isinstance(stream, io.BytesIO) and stream.tell() == 0
                and (limit is None or limit >= _LEAST_FORM_MEMORY)):
            parts = _split_plain_multipart(stream.getvalue(), boundary, self.max_form_parts, limit)
            if parts is not None:
                # read to the end, as by Werkzeug's parser; the body stays with the request to its
                # end, as it did (dropping it here made each worker's heap shrink and grow again
                # per request: 500 more page faults and 2-3 ms more CPU per submission)
                stream.seek(0, io.SEEK_END)
                return stream, *self._form_and_files(parts)
        return super()._parse_multipart(stream, mimetype, content_length, options)

    def _form_and_files(self, parts: list[tuple[str, str | None, Headers, bytes]]):
        fields, files = [], []
        for name, filename, headers, data in parts:
            if filename is None:
                if self.max_form_memory_size is not None and len(data) > self.max_form_memory_size:
                    raise RequestEntityTooLarge()
                fields.append((name, data.decode(_CHARSET.get_part_charset(headers), "replace")))
            else:
                files.append((name, FileStorage(io.BytesIO(data), filename, name, headers=headers)))
        return self.cls(fields), self.cls(files)


_CHARSET = MultiPartParser()  # its charset rule for a text field (utf-8 unless a safe one is named)
# Werkzeug's parser refuses a request when what it buffers (a 64 KiB read and what is left of
# the previous one) passes MAX_FORM_MEMORY_SIZE: with a smaller limit than this, file parts
# too can make a 413, so such a setting keeps Werkzeug's parser.
_LEAST_FORM_MEMORY = 256 * 1024


def _split_plain_multipart(body: bytes, boundary: bytes, max_parts: int | None,
                           max_memory: int | None) -> list[tuple[str, str | None, Headers, bytes]] | None:
    """The parts ``(name, filename or None, headers, bytes)`` of a multipart body of the plain
    shape (``InMemoryFormDataParser``), or ``None`` when it has another shape or a part's
    headers longer than ``max_memory`` (Werkzeug's parser refuses those). Too many parts is a
    413, as with Werkzeug's parser."""
    marker = b"--" + boundary
    start = 2 if body.startswith(b"\r\n" + marker) else 0  # Werkzeug's own test client opens with a line break
    if len(boundary) > 70 or not body.startswith(marker + b"\r\n", start):  # RFC 2046: at most 70 characters
        return None
    # One pass over the body: every occurrence of the marker (overlapping ones too) must be one
    # of the delimiters, each after a part's blank line and a line break; one anywhere else (in a
    # part's headers or bytes, or overlapping a delimiter) leaves the body to Werkzeug's parser.
    parts, found = [], start
    position = start + len(marker) + 2
    while True:
        header_end = body.find(b"\r\n\r\n", position)
        if header_end < 0:
            return None
        found = body.find(marker, found + 1)
        if found < header_end + 4 or body[found - 2:found] != b"\r\n":
            return None  # no delimiter, or a marker before this part's bytes or not after a line break
        if max_memory is not None and header_end - position > max_memory // 2:
            return None
        part = _plain_part(body[position:header_end])
        if part is None:
            return None
        if max_parts is not None and len(parts) + 1 > max_parts:
            raise RequestEntityTooLarge()
        parts.append((*part, body[header_end + 4:found - 2]))
        after = found + len(marker)
        if body.startswith(b"--", after):
            break
        if not body.startswith(b"\r\n", after):
            return None
        position = after + 2
    if body[after + 2:] not in (b"", b"\r\n") or body.find(marker, found + 1) >= 0:
        return None  # something after the end, or a marker overlapping the last one: Werkzeug's parser decides
    return parts


def _plain_part(block: bytes) -> tuple[str, str | None, Headers] | None:
    """A part's name, filename and headers from its header lines, or ``None`` when they are not
    single CRLF-separated lines of UTF-8 with a named Content-Disposition."""
    lines = block.split(b"\r\n")
    if any(b"\r" in line or b"\n" in line or line[:1] in (b" ", b"\t") for line in lines):
        return None
    try:
        pairs = [line.strip(b" \t").decode().partition(":") for line in lines if line.strip(b" \t")]
    except UnicodeDecodeError:
        return None
    headers = Headers([(name.strip(" \t"), value.strip(" \t")) for name, _colon, value in pairs])
    if "content-disposition" not in headers:
        return None
    _disposition, options = parse_options_header(headers["content-disposition"])
    name = options.get("name")
    if name is None:
        return None
    return name, options.get("filename"), headers


class PortalRequest(Request):
    """Uploaded files are kept in memory when the whole request is at most
    ``UPLOAD_MEMORY_BYTES``, instead of Werkzeug's temporary file past 500 KB: every upload is read
    whole anyway (type, structure, SHA-256, then written to the storage), so spooling it to a
    temporary file first cost a second disk write and a read back. Such a request's body is also
    read from the server in one call before it is parsed (``_read_whole_body``). A larger request
    (or one of unknown length) is spooled to disk as before; ``MAX_CONTENT_LENGTH`` bounds them all.
    A body in memory is split by ``InMemoryFormDataParser``."""

    form_data_parser_class = InMemoryFormDataParser

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
