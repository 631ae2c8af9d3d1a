"""Helpers for the document tests: text extraction with pypdf and poppler's pdftotext.

pdftotext (poppler-utils) is optional locally: tests that need it are skipped with a visible
reason when it is missing, but fail when CI=true so the CI image cannot silently lose them.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader


def require_tool(name: str) -> str:
    """Return the path of a system tool, or skip (locally) / fail (CI=true) without it."""
    import os

    path = shutil.which(name)
    if path:
        return path
    message = f"{name} not found (install poppler-utils: apt-get install -y poppler-utils)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; required when CI=true")
    pytest.skip(message)


def squash(text: str) -> str:
    """NFC-normalise and collapse whitespace so wrapped lines compare as one sentence."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def pypdf_pages(pdf: bytes) -> list[str]:
    return [squash(p.extract_text() or "") for p in PdfReader(BytesIO(pdf)).pages]


def pdftotext_pages(pdf: bytes, tmp_path: Path | None = None) -> list[str]:
    exe = require_tool("pdftotext")
    out = subprocess.run([exe, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=120).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return [squash(p) for p in pages]


EXTRACTORS = {"pypdf": pypdf_pages, "pdftotext": pdftotext_pages}


@pytest.fixture(params=sorted(EXTRACTORS))
def extract(request):
    """Text of each page, by pypdf and (second run) by poppler's pdftotext."""
    return EXTRACTORS[request.param]


def text_chunks(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run on a page, in PDF points (origin bottom-left)."""
    chunks: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            chunks.append((unicodedata.normalize("NFC", text.strip()), x, y))

    PdfReader(BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return chunks


def chunk_at(chunks, needle: str) -> tuple[str, float, float]:
    hits = [c for c in chunks if needle in c[0]]
    assert hits, f"{needle!r} not found among {[c[0] for c in chunks]}"
    return hits[0]
