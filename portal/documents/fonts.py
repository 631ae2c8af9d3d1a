"""Registration of the bundled Liberation Serif fonts (Times metrics, Vietnamese glyphs)."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

import signatures

FONT_DIR = Path(signatures.__file__).resolve().parent / "fonts"

SERIF = "LiberationSerif"
SERIF_BOLD = "LiberationSerif-Bold"
SERIF_ITALIC = "LiberationSerif-Italic"
SERIF_BOLD_ITALIC = "LiberationSerif-BoldItalic"

_FILES = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> str:
    """Register the serif family once (idempotent, thread-safe); return the family name."""
    global _registered
    if _registered:
        return SERIF
    with _lock:
        if not _registered:
            registered = set(pdfmetrics.getRegisteredFontNames())
            for name, filename in _FILES.items():
                if name not in registered:
                    path = FONT_DIR / filename
                    if not path.is_file():
                        raise FileNotFoundError(f"bundled font missing: {path}")
                    pdfmetrics.registerFont(TTFont(name, str(path)))
            pdfmetrics.registerFontFamily(
                SERIF,
                normal=SERIF,
                bold=SERIF_BOLD,
                italic=SERIF_ITALIC,
                boldItalic=SERIF_BOLD_ITALIC,
            )
            _registered = True
    return SERIF
