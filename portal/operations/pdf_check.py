"""The structural check of an uploaded PDF, within bounded memory and time.

A file that starts with ``%PDF-`` is not yet a PDF. Before one is stored it must:

* not carry a web page: no HTML or script signature (``<html``, ``<script``, ``<!doctype html``,
  ...) in its first kilobytes, where browsers look when they guess a type, nor after its last
  ``%%EOF``, where a PDF/HTML polyglot hides one;
* end with ``%%EOF`` (a truncated upload does not), be opened by qpdf (through pikepdf: a
  well-kept C++ parser, fuzzed, that repairs a damaged cross-reference table as viewers do and
  refuses what cannot be repaired), and not be encrypted;
* have a page tree with at least one and at most ``MAX_PAGES`` pages, each with a page size of
  some width and height, its own or inherited;
* inflate to at most ``MAX_INFLATED_BYTES`` in all its streams together: every stream is
  decompressed here, from its bytes as stored, chunk by chunk, and the count stops the check as
  soon as it passes the cap, so a flate bomb (a few hundred kilobytes that inflate to gigabytes)
  costs one cap of work, never its full size in memory;
* be checked within ``MAX_SECONDS`` and ``MAX_OBJECTS`` objects.

qpdf replaced pypdf here (issue 20): the same checks cost 0.08 ms instead of 0.85 ms for a
scanned 1 MB page, most of pypdf's time being its object parser, in Python. pypdf's decoders
still serve the rare text and expanding filters (``_DECODED_FILTERS``), with their output capped.

Every failure is a :class:`~portal.operations.dossiers.DossierError` whose code names what is
wrong (``portal.messages``).
"""

from __future__ import annotations

import io
import re
import time
import zlib

import pikepdf

from portal.operations.dossiers import DossierError

MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_PAGES = 2000
MAX_OBJECTS = 200_000
MAX_SECONDS = 10.0
HEAD_WINDOW = 8 * 1024
CHUNK = 64 * 1024

#: Signatures of an HTML document or a script a browser would run.
MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s>/]", re.IGNORECASE)

#: The rare filters decoded whole before the count, by pypdf's decoders: text encodings (their
#: output is at most their input) and the expanding LZW and run-length, stopped at the cap
#: (``_decoded``).
_DECODED_FILTERS = {"/ASCIIHexDecode": "ASCIIHexDecode", "/AHx": "ASCIIHexDecode",
                    "/ASCII85Decode": "ASCII85Decode", "/A85": "ASCII85Decode",
                    "/LZWDecode": "LZWDecode", "/LZW": "LZWDecode",
                    "/RunLengthDecode": "RunLengthDecode", "/RL": "RunLengthDecode"}
#: Image codecs kept encoded (a viewer decodes them into a bounded bitmap): the size their
#: dictionary states is what they count.
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
    try:
        # the upload where it lies: a BytesIO shares the bytes it is given, and qpdf reads what
        # the cross-reference table points at (a comment or an image it skips costs nothing);
        # the page tree as stored: no inherited sizes pushed onto the pages (``_check_pages``)
        with pikepdf.open(io.BytesIO(data), inherit_page_attributes=False) as pdf:
            if pdf.is_encrypted:  # opened with the empty user password: still refused
                raise PdfRefused("pdf_encrypted", "the PDF is encrypted or password protected")
            _check_pages(pdf, budget)
            _check_streams(pdf, budget)
    except PdfRefused:
        raise
    except pikepdf.PasswordError:
        raise PdfRefused("pdf_encrypted", "the PDF is encrypted or password protected") from None
    except (Exception, RecursionError):  # a damaged or hostile file may raise anything inside the parser
        raise PdfRefused("pdf_unreadable", "the PDF structure cannot be read") from None


def _check_pages(pdf: pikepdf.Pdf, budget: _Budget) -> None:
    """Walk the page tree as stored, counting pages, each with its own or an inherited page
    size. The walk is the portal's, not qpdf's page helpers: they repair a tree by copying a
    page listed several times, and a 2 MB file listing one page 300,000 times took 1.4 s and
    600 MB that way. Here the count stops at ``MAX_PAGES``, a loop or a node listed twice (a
    tree's node has one parent) is refused, and the walk holds one position per level of the
    tree, not the kids it has yet to visit."""
    count = 0
    root = pdf.Root.Pages
    levels = [_Level(root, root.get("/MediaBox"))]
    nodes = {root.objgen}  # every node walked into: one met again is a loop, or a node twice in the tree
    while levels:
        level = levels[-1]
        if level.next >= len(level.kids):
            levels.pop()
            continue
        node = level.kids[level.next]
        level.next += 1
        budget.spend(objects=1)
        mediabox = node.get("/MediaBox", level.mediabox)
        if node.get("/Type") == pikepdf.Name.Pages:
            if node.objgen in nodes:
                raise PdfRefused("pdf_unreadable", "the page tree loops or lists a node twice")
            nodes.add(node.objgen)
            levels.append(_Level(node, mediabox))
            continue
        count += 1
        if count > MAX_PAGES:
            raise PdfRefused("pdf_too_many_pages", "too many pages", limit=MAX_PAGES)
        if mediabox is None or not _has_area(mediabox):
            raise PdfRefused("pdf_unreadable", "a page without a size")
    if count == 0:
        raise PdfRefused("pdf_no_pages", "the PDF has no page")


def _has_area(mediabox) -> bool:
    left, bottom, right, top = (float(value) for value in mediabox)
    return right - left > 0 and top - bottom > 0


class _Level:
    """A node of the page tree being walked: its kids, the next one to visit, and the page size
    its pages inherit."""

    def __init__(self, node: pikepdf.Dictionary, mediabox):
        self.objgen, self.kids = node.objgen, node.Kids
        if not isinstance(self.kids, pikepdf.Array):
            raise PdfRefused("pdf_unreadable", "a page tree node without kids")
        self.next, self.mediabox = 0, mediabox


def _check_streams(pdf: pikepdf.Pdf, budget: _Budget) -> None:
    objects = pdf.objects  # every object, those inside object streams too
    budget.spend(objects=len(objects))
    for obj in objects:
        if isinstance(obj, pikepdf.Stream):
            _inflate(obj, budget)
        budget.spend()  # the clock


def _filters(stream: pikepdf.Stream) -> list[str]:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    if isinstance(filters, pikepdf.Array):
        return [str(f) for f in filters]
    return [str(filters)]


def _inflate(stream: pikepdf.Stream, budget: _Budget) -> None:
    """Count what ``stream`` decodes to, in chunks, against the budget; nothing is kept."""
    filters = _filters(stream)
    if filters and filters[0] in _IMAGE_FILTERS:  # a scanned page: its bytes are not copied out
        length = stream.get("/Length")
        budget.spend(inflated=length if isinstance(length, int) and length > 0 else 0)
        return
    data = stream.read_raw_bytes()  # the encoded bytes as stored in the file
    for name in filters:
        if name in _IMAGE_FILTERS:
            break
        if name in _FLATE:
            _count_flate(data, budget)
            return
        if name in _DECODED_FILTERS:
            data = _decoded(_DECODED_FILTERS[name], data)
        elif name == "/Crypt":
            raise PdfRefused("pdf_encrypted", "a stream is encrypted")
        else:
            raise PdfRefused("pdf_unreadable", f"unknown stream filter {name[:32]}")
    budget.spend(inflated=len(data))


def _decoded(decoder: str, data: bytes) -> bytes:
    """``data`` through pypdf's decoder of that name, its output capped at the check's limit
    (pypdf loads at the first file that uses one of these rare filters)."""
    from pypdf import apply_configuration, filters
    from pypdf.errors import LimitReachedError

    limit = MAX_INFLATED_BYTES
    try:
        with apply_configuration(lzw_maximum_output_length=limit, run_length_maximum_output_length=limit):
            return getattr(filters, decoder).decode(data)
    except LimitReachedError:
        raise PdfRefused("pdf_inflates_too_much", "a stream inflates beyond the limit",
                         limit=MAX_INFLATED_BYTES // (1024 * 1024)) from None


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
