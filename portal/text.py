"""Text helpers for Vietnamese."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, without diacritics, whitespace collapsed: "Giấy phép Xây dựng" -> "giay phep xay dung"."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def format_vnd(amount: int) -> str:
    """1500000 -> "1.500.000 đ" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đ"


_PHONE_SEPARATORS = str.maketrans("", "", " .-()\u00a0")


def normalize_phone(raw: str | None) -> str | None:
    """A phone number as people type it, in one form: separators removed and the country
    prefix written as 0. "0912 345 678", "0912.345.678" and "+84 912 345 678" -> "0912345678".
    What is not a phone number is returned without its separators, for the validator to refuse."""
    if raw is None:
        return None
    digits = raw.strip().translate(_PHONE_SEPARATORS)
    for prefix in ("+84", "0084"):
        if digits.startswith(prefix):
            return "0" + digits[len(prefix):]
    return digits


def dossier_search_text(code: str | None, applicant: dict | None) -> str:
    """What the office queue searches a dossier by, folded (``dossiers.search_text``): the
    applicant's name without diacritics, the dossier code, the ID number and the phone number
    (normalised), separated by " | " so that no term spans two of them.
    "Nguyễn Văn A", 000.00.31.H33-261122-0007, 012345678901, +84 912 345 678 ->
    "nguyen van a | 000.00.31.h33-261122-0007 | 012345678901 | 0912345678"."""
    applicant = applicant or {}
    parts = [fold(str(applicant.get("full_name") or "")), (code or "").lower(),
             fold(str(applicant.get("id_number") or "")).replace(" ", ""),
             normalize_phone(str(applicant.get("phone") or "")) or ""]
    return " | ".join(parts)[:400]


#: Words of the catalogue's internal verification notes ("chưa xác minh mức hiện hành", "mã ...
#: chưa đối chiếu", "theo trí nhớ"): kept in the data for the administrators who check it, never
#: shown to the public (``public_text``).
INTERNAL_NOTE_MARKERS = (
    "chưa xác minh", "chưa xác định", "chưa đối chiếu", "đang được đối chiếu", "theo trí nhớ", "giả định",
    "cần rà soát", "mức nhớ", "unverified", "not verified", "assumed", "from memory",
)
_PARENTHESIS = re.compile(r"\s*\(([^()]*)\)")
_CLAUSE_SEPARATOR = re.compile(r"(;\s*|\s+[—–]\s+|,\s+)")
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")


def _has_note(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in INTERNAL_NOTE_MARKERS)


def _without_note_clauses(text: str) -> str:
    """``text`` without its clauses (between ";", " — ", ", ") that are verification notes."""
    parts = _CLAUSE_SEPARATOR.split(text)
    pieces, separators = parts[0::2], parts[1::2]
    kept: list[str] = []
    for i, piece in enumerate(pieces):
        if _has_note(piece):
            continue
        if kept:
            kept.append(separators[i - 1])
        kept.append(piece)
    return "".join(kept).strip()


def public_text(text: str | None) -> str:
    """A catalogue text as the public reads it: the internal verification notes the catalogue
    keeps for administrators are taken out. A parenthesis keeps its other clauses ("(mức phổ
    biến 80.000 đồng; chưa xác minh)" -> "(mức phổ biến 80.000 đồng)") or goes when nothing is
    left; a sentence outside parentheses that is a note goes."""
    if not text or not _has_note(text):
        return text or ""

    def parenthesis(match: re.Match) -> str:
        inner = _without_note_clauses(match.group(1))
        return f" ({inner})" if inner else ""

    text = _PARENTHESIS.sub(lambda m: parenthesis(m) if _has_note(m.group(1)) else m.group(0), text)
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    kept = [s if not _has_note(s) else _without_note_clauses(s.rstrip(".;")) for s in sentences]
    result = " ".join(s for s in kept if s).strip()
    return result.rstrip(",;—– ") if result else ""
