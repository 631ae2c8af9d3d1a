"""Vietnamese is the source language; the English catalogue must cover every message."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
         "lazy_gettext", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def english_catalog():
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_message_has_an_english_translation(tmp_path):
    catalog = english_catalog()
    missing = []
    for msgid in extracted_messages(tmp_path):
        message = catalog.get(msgid)
        strings = [] if message is None else (message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or not all(strings) or message.fuzzy:
            missing.append(msgid)
    assert missing == [], f"untranslated in translations/en: {missing[:10]}"


def test_translations_keep_their_placeholders():
    for message in english_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= expected | set(PLACEHOLDER.findall(ids[-1])), message.id
