"""An English page shows no Vietnamese sentence that the English catalogue translates.

Every GET page is rendered in English for each kind of visitor; every text node and every
attribute a person or a screen reader meets (aria-label, title, placeholder, alt) is compared
with the catalogue: a Vietnamese source text that has an English translation must not appear.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.test_every_page import _urls

CATALOGUE = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
SPACES = re.compile(r"\s+")
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


def _translated_sources() -> tuple[set[str], list[str]]:
    """(whole texts, long texts) of the catalogue's Vietnamese sources that English changes;
    messages with placeholders are split at them into their fixed parts."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    whole, long = set(), []
    for message in catalogue:
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        if message.string == message.id:
            continue
        for part in PLACEHOLDER.split(message.id):
            part = SPACES.sub(" ", part).strip(" .:,;()–—-")
            if len(part) >= 4 and re.search(r"[À-ỹĐđ]", part):
                whole.add(part)
                if len(part) >= 30:
                    long.append(part)
    return whole, long


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.texts.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def vietnamese_left(html: str, whole: set[str], long: list[str]) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    texts = [SPACES.sub(" ", t).strip(" .:,;()–—-") for t in parser.texts]
    found = sorted({t for t in texts if t in whole})
    page_text = SPACES.sub(" ", " ".join(parser.texts))
    found += sorted({text for text in long if text in page_text and text not in found})
    return found


@pytest.mark.parametrize("who", ["anonymous", "citizen", "one_stop_officer", "agency_leader", "admin"])
def test_english_pages_show_no_translated_vietnamese(app, client, pages, make_user, who):
    whole, long = _translated_sources()
    office = build_office(make_user)
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    if who == "citizen":
        pages.login(office.citizen.username, PASSWORD)
    elif who in ("one_stop_officer", "agency_leader"):
        pages.login(office.by_role(who).username, PASSWORD)
    elif who == "admin":
        make_user(role="admin", username="quantri")
        pages.login("quantri", PASSWORD)
    client.get("/ngon-ngu/en")
    failures = {}
    for url in _urls(app, dossier.id):
        if url in ("/dang-xuat",) or "999999" in url or "khong-co" in url:
            continue
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        left = vietnamese_left(response.get_data(as_text=True), whole, long)
        if left:
            failures[url] = left
    assert failures == {}, "\n".join(f"{url}: {texts[:5]}" for url, texts in failures.items())
