"""The direct split of a multipart body in memory (``portal.request_body.InMemoryFormDataParser``)
against Werkzeug's own parser: for every body, generated plain or mangled, the form, the files
(names, file names, headers, bytes) and the refusals (413 for too many parts or too large a
field) are the same; and the split itself handles the plain bodies clients send."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from portal.request_body import InMemoryFormDataParser, _split_plain_multipart

BOUNDARY_CHARS = "0123456789abcdefABCDEF-_'()+,./:=? "  # RFC 2046 bchars (a space not last)
NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
# bytes that matter to the framing, so that generated contents hold them often
PIECES = (b"\r\n", b"\r", b"\n", b"--", b"\r\n\r\n", b" ", b"\t", b";", b'"', b"\xff", b"\xc3\xa1")


def in_memory(**_sizes_and_names):
    return io.BytesIO()


def parse(parser_class, body: bytes, boundary: bytes, *, memory: int | None, parts: int | None):
    parser = parser_class(in_memory, max_form_memory_size=memory, max_form_parts=parts)
    try:
        stream, form, files = parser.parse(io.BytesIO(body), "multipart/form-data", len(body),
                                            {"boundary": boundary.decode("latin-1")})
    except RequestEntityTooLarge:
        return "413"
    return (list(form.items(multi=True)),
            [(name, f.filename, f.name, list(f.headers.items()), f.stream.read())
             for name, f in files.items(multi=True)],
            stream.read())  # read to its end by both: nothing left for get_data


@st.composite
def contents(draw):
    chunks = draw(st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(PIECES)), max_size=8))
    return b"".join(chunks)


@st.composite
def bodies(draw):
    boundary = draw(st.text(BOUNDARY_CHARS, min_size=1, max_size=72).filter(lambda b: not b.endswith(" ")))
    marker = b"--" + boundary.encode()
    body = draw(st.sampled_from([b"", b"\r\n"]))
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.text(NAME_CHARS, max_size=12))
        header = b'Content-Disposition: form-data; name="%s"' % name.encode()
        if draw(st.booleans()):
            filename = draw(st.text(NAME_CHARS, max_size=12))
            header += b'; filename="%s"' % filename.encode()
            header += b"\r\nContent-Type: " + draw(st.sampled_from([b"application/pdf", b"image/png", b""]))
        elif draw(st.booleans()):
            header += b"\r\nContent-Type: text/plain; charset=" + draw(
                st.sampled_from([b"utf-8", b"iso-8859-1", b"ascii", b"koi8-r"]))
        data = draw(contents())
        if draw(st.integers(0, 9)) == 0:
            data += marker[: draw(st.integers(0, len(marker)))]  # part of a boundary inside the data
        body += marker + b"\r\n" + header + b"\r\n\r\n" + data + b"\r\n"
    body += marker + b"--" + draw(st.sampled_from([b"", b"\r\n"]))
    return boundary.encode(), body


@st.composite
def mangled(draw):
    boundary, body = draw(bodies())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        kind = draw(st.sampled_from(["insert", "delete", "lf", "cr", "boundary"]))
        if kind == "insert":
            body = body[:at] + draw(st.sampled_from(PIECES + (b"x", b"  "))) + body[at:]
        elif kind == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 4)):]
        elif kind == "lf":
            body = body.replace(b"\r\n", b"\n", draw(st.integers(1, 3)))
        elif kind == "cr":
            body = body.replace(b"\r\n", b"\r", draw(st.integers(1, 3)))
        else:
            body = body[:at] + draw(st.sampled_from([b"\n", b"\r\n", b""])) + b"--" + boundary + body[at:]
    return boundary, body


LIMITS = st.sampled_from([(None, None), (500_000, 1000), (256 * 1024, 2), (1000, 3), (500_000, 1)])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), LIMITS)
def test_a_plain_body_is_split_as_werkzeug_parses_it(case, limits):
    boundary, body = case
    memory, parts = limits
    ours = parse(InMemoryFormDataParser, body, boundary, memory=memory, parts=parts)
    assert ours == parse(FormDataParser, body, boundary, memory=memory, parts=parts)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled(), LIMITS)
@example((b"b", b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\n--b\r\n--b--"), (None, None))
@example((b"b", b"--b  \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--"), (None, None))
@example((b"b", b"pre\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--"), (None, None))
@example((b"b", b"--b\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\r\n--b--"), (None, None))
@example((b"b", b"--b\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nx\r\n--b--"), (None, None))
@example((b"b", b"--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a\"\r\nContent-Type: text/plain;\r\n"
           b" charset=ascii\r\n\r\nx\r\n--b--"), (None, None))
@example((b"b", b"--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"" + b"a" * 300_000 + b"\"\r\n\r\nx\r\n--b--"),
         (256 * 1024, 1000))
@example((b"b", b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n" + b"e" * 300_000),
         (256 * 1024, 1000))
def test_any_other_body_gets_werkzeugs_answer(case, limits):
    boundary, body = case
    memory, parts = limits
    ours = parse(InMemoryFormDataParser, body, boundary, memory=memory, parts=parts)
    assert ours == parse(FormDataParser, body, boundary, memory=memory, parts=parts)


def test_the_bodies_clients_send_are_split_directly():
    """Not a fallback everywhere: a browser's body (no line break before the first boundary) and
    Werkzeug's test client's (one) are split without Werkzeug's parser, a file kept as its bytes."""
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 4000 + b"\r\n--not-quite\r\n"
    browser = (b"--XyZ\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{\"ho_ten\": \"L\xc3\xaa\"}\r\n"
               b"--XyZ\r\nContent-Disposition: form-data; name=\"cccd\"; filename=\"a.pdf\"\r\n"
               b"Content-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--XyZ--\r\n")
    for body in (browser, b"\r\n" + browser):
        parts = _split_plain_multipart(body, b"XyZ", 1000, 500_000)
        assert parts is not None
        assert [(name, filename, data) for name, filename, _headers, data in parts] == [
            ("data", None, '{"ho_ten": "Lê"}'.encode()), ("cccd", "a.pdf", pdf)]


def test_too_many_parts_and_too_large_a_field_are_refused_as_by_werkzeug():
    one = b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + b"x" * 300_000 + b"\r\n"
    body = one * 3 + b"--b--\r\n"
    assert _split_plain_multipart(body, b"b", 1000, 500_000) is not None
    with pytest.raises(RequestEntityTooLarge):
        _split_plain_multipart(body, b"b", 2, 500_000)
    for parser_class in (InMemoryFormDataParser, FormDataParser):
        assert parse(parser_class, body, b"b", memory=256 * 1024, parts=1000) == "413"
