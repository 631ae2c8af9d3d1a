"""The 12-digit citizen identity number (số định danh cá nhân / số CCCD).

Structure (Nghị định 137/2015/NĐ-CP, Thông tư 07/2016/TT-BCA and 59/2021/TT-BCA):
- digits 1-3: code of the province or city where the birth was registered (the 63 codes of
  the 2016 list; they stay valid on existing numbers after the 2025 merger of provinces);
- digit 4: century of birth and sex (0/1: 20th century male/female, 2/3: 21st, 4/5: 22nd,
  6/7: 23rd, 8/9: 24th);
- digits 5-6: the last two digits of the year of birth;
- digits 7-12: a random sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PROVINCE_CODES = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019",
        "020", "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036",
        "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052", "054",
        "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
        "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
        "094", "095", "096",
    }
)  # fmt: skip


class InvalidCitizenId(ValueError):
    """The number is not a well-formed citizen identity number; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CitizenId:
    number: str
    province_code: str
    birth_year: int
    female: bool


def parse_citizen_id(value: str, today: date | None = None) -> CitizenId:
    """Check a citizen identity number and return what it encodes.

    ``reason`` of the error is one of: ``length``, ``digits``, ``province``, ``birth_year``.
    """
    number = (value or "").strip().replace(" ", "")
    if not number.isdigit():
        raise InvalidCitizenId("digits")
    if len(number) != 12:
        raise InvalidCitizenId("length")
    province = number[:3]
    if province not in PROVINCE_CODES:
        raise InvalidCitizenId("province")
    century_digit = int(number[3])
    birth_year = 1900 + 100 * (century_digit // 2) + int(number[4:6])
    current_year = (today or date.today()).year
    if birth_year > current_year:
        raise InvalidCitizenId("birth_year")
    return CitizenId(number, province, birth_year, female=century_digit % 2 == 1)
