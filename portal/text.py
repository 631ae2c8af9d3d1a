"""Text helpers for Vietnamese."""

from __future__ import annotations

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
