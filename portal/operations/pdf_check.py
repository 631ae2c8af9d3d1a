"""The structural check of an uploaded PDF, within bounded memory and time.

A file that starts with ``%PDF-`` is not yet a PDF. Before one is stored it must:

* not carry a web page: no HTML or script signature (``<html``, ``<script``, ``<!doctype html``,
  ...) in its first kilobytes, where browsers look when they guess a type, nor after its last
  ``%%EOF``, where a PDF/HTML polyglot hides one;
* end with ``%%EOF`` (a truncated upload does not), parse with pypdf (a well-kept parser whose
  own limits are lowered here through its configuration), and not be encrypted;
* have a page tree with at least one and at most ``MAX_PAGES`` pages, each with a page size;
* inflate to at most ``MAX_INFLATED_BYTES`` in all its streams together: every stream is
  decompressed chunk by chunk and the count stops the check as soon as it passes the cap, so a
  flate bomb (a few hundred kilobytes that inflate to gigabytes) costs one cap of work, never
  its full size in memory;
* be checked within ``MAX_SECONDS`` and ``MAX_OBJECTS`` objects.

Every failure is a :class:`~portal.operations.dossiers.DossierError` whose code names what is
wrong (``portal.messages``).
"""

from __future__ import annotations

import io
import re
import time
import zlib

from pypdf import PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode
from pypdf.generic import IndirectObject, StreamObject

from portal.operations.dossiers import DossierError

MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_PAGES = 2000
MAX_OBJECTS = 200_000
MAX_SECONDS = 10.0
HEAD_WINDOW = 8 * 1024
CHUNK = 64 * 1024

#: Signatures of an HTML document or a script a browser would run.
MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s>/]", re.IGNORECASE)

#: Filters whose output is at most their input (text encodings) or that are image codecs kept
#: encoded (a viewer decodes them into a bounded bitmap): their raw size is what they count.
_TEXT_FILTERS = {"/ASCIIHexDecode": ASCIIHexDecode, "/AHx": ASCIIHexDecode,
                 "/ASCII85Decode": ASCII85Decode, "/A85": ASCII85Decode}
_EXPANDING_FILTERS = {"/LZWDecode": LZWDecode, "/LZW": LZWDecode, "/RunLengthDecode": RunLengthDecode,
                      "/RL": RunLengthDecode}
_IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"}
_FLATE = {"/FlateDecode", "/Fl"}


class PdfRefused(DossierError):
    """The upload is not a PDF the portal keeps; ``code`` says why."""

    status = 422


class _Budget:
    """What the check may still spend: inflated bytes, objects and time."""

    def __init__(self, inflated: int, objects: int, seconds: float):
        self.inflated, self.objects = inflated, objects
        self.deadline = time.monotonic() + seconds

    def spend(self, inflated: int = 0, objects: int = 0) -> None:
        self.inflated -= inflated
        self.objects -= objects
        if self.inflated < 0:
            raise PdfRefused("pdf_inflates_too_much", "the streams inflate beyond the limit",
                             limit=MAX_INFLATED_BYTES // (1024 * 1024))
        if self.objects < 0 or time.monotonic() > self.deadline:
            raise PdfRefused("pdf_too_complex", "too many objects or too slow to check")


class _Source(io.BytesIO):
    """The upload as pypdf reads it, without ``getbuffer``. A ``BytesIO`` shares the bytes it is
    given until someone asks for a writable view of them, and pypdf's size checks
    (``pypdf._utils.get_stream_size``) ask for one when the stream has ``getbuffer``: that copied
    the whole upload (1 MB copied and its pages faulted in, a third of the check's time for a
    scanned page). Without it, pypdf seeks to the end to learn the size."""

    @property
    def getbuffer(self):
        raise AttributeError("getbuffer")


def markup_found(data: bytes) -> bool:
    """Whether ``data`` carries an HTML or script signature where a browser or a polyglot puts it:
    in its first kilobytes, or after its last ``%%EOF``."""
    if MARKUP.search(data[:HEAD_WINDOW]):
        return True
    end = data.rfind(b"%%EOF")
    return end >= 0 and MARKUP.search(data[end + 5:]) is not None


def check_pdf(data: bytes) -> None:
    """Refuse ``data`` unless it is a whole, unencrypted, parseable PDF with pages, no web page
    inside, and streams that inflate within the cap (see the module's docstring)."""
    if markup_found(data):
        raise PdfRefused("file_has_markup", "HTML or script inside the file")
    if data.rfind(b"%%EOF", max(0, len(data) - 64 * 1024)) < 0:
        raise PdfRefused("pdf_truncated", "no %%EOF near the end: the file is incomplete")
    budget = _Budget(MAX_INFLATED_BYTES, MAX_OBJECTS, MAX_SECONDS)
    limit = MAX_INFLATED_BYTES
    try:
        with apply_configuration(
                zlib_maximum_output_length=limit, lzw_maximum_output_length=limit,
                run_length_maximum_output_length=limit, jbig2_maximum_output_length=limit,
                brotli_maximum_output_length=limit, array_based_stream_maximum_output_length=limit,
                image_maximum_buffer_size=limit, maximum_declared_stream_length=limit,
                jbig2dec_binary=None):
            reader = PdfReader(_Source(data), strict=False)
            if reader.is_encrypted:
                raise PdfRefused("pdf_encrypted", "the PDF is encrypted or password protected")
            _check_pages(reader, budget)
            _check_streams(reader, budget)
    except PdfRefused:
        raise
    except FileNotDecryptedError:
        raise PdfRefused("pdf_encrypted", "the PDF is encrypted or password protected") from None
    except LimitReachedError:
        raise PdfRefused("pdf_too_complex", "a parser limit was reached") from None
    except (Exception, RecursionError):  # a damaged or hostile file may raise anything inside the parser
        raise PdfRefused("pdf_unreadable", "the PDF structure cannot be read") from None


def _check_pages(reader: PdfReader, budget: _Budget) -> None:
    count = len(reader.pages)
    if count == 0:
        raise PdfRefused("pdf_no_pages", "the PDF has no page")
    if count > MAX_PAGES:
        raise PdfRefused("pdf_too_many_pages", "too many pages", limit=MAX_PAGES)
    for page in reader.pages:
        box = page.mediabox
        if box.width <= 0 or box.height <= 0:
            raise PdfRefused("pdf_unreadable", "a page without a size")
        budget.spend(objects=1)


def _object_refs(reader: PdfReader) -> list[IndirectObject]:
    refs = [IndirectObject(number, generation, reader)
            for generation, table in reader.xref.items() for number in table]
    refs += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    return refs


def _check_streams(reader: PdfReader, budget: _Budget) -> None:
    for ref in _object_refs(reader):
        budget.spend(objects=1)
        obj = ref.get_object()
        if isinstance(obj, StreamObject):
            _inflate(obj, budget)


def _filters(stream: StreamObject) -> list[str]:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    filters = filters.get_object()
    names = [str(f.get_object()) for f in filters] if isinstance(filters, list) else [str(filters)]
    return names


def _inflate(stream: StreamObject, budget: _Budget) -> None:
    """Count what ``stream`` decodes to, in chunks, against the budget; nothing is kept."""
    data = stream._data  # the encoded bytes as stored in the file (pypdf has no public accessor)
    for name in _filters(stream):
        if name in _IMAGE_FILTERS:
            break
        if name in _FLATE:
            _count_flate(data, budget)
            return
        if name in _TEXT_FILTERS:
            data = _TEXT_FILTERS[name].decode(data)
        elif name in _EXPANDING_FILTERS:  # pypdf's decoders stop at the cap set in check_pdf
            data = _EXPANDING_FILTERS[name].decode(data)
        elif name == "/Crypt":
            raise PdfRefused("pdf_encrypted", "a stream is encrypted")
        else:
            raise PdfRefused("pdf_unreadable", f"unknown stream filter {name[:32]}")
    budget.spend(inflated=len(data))


def _count_flate(data: bytes, budget: _Budget) -> None:
    """Inflate ``data`` chunk by chunk (zlib, or raw deflate as some writers store it), counting."""
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        inflater = zlib.decompressobj(wbits)
        produced = 0
        pending = data
        try:
            while pending and not inflater.eof:
                out = inflater.decompress(pending, CHUNK)
                produced += len(out)
                budget.spend(inflated=len(out))
                pending = inflater.unconsumed_tail
            while not inflater.eof and (out := inflater.decompress(b"", CHUNK)):
                produced += len(out)
                budget.spend(inflated=len(out))
            return
        except zlib.error:
            if produced:
                return  # a damaged stream: viewers show what inflates, and that was counted
