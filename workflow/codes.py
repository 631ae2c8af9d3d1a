"""Dossier codes, in the two formats the national rules define.

- ``2018`` (Thông tư 01/2018/TT-VPCP, the default): ``<agency identifier>-<YYMMDD>-<XXXX>``, a
  4-digit daily sequence. Example: ``000.00.31.H33-261122-0007``.
- ``2025`` (Thông tư 04/2025/TT-VPCP, for nationally centralised systems):
  ``<agency identifier>-<YYMMDD>-<AA><XXXX>``, where ``AA`` are the two digits identifying the
  agency that owns the central system and the daily sequence has at least 4 digits (up to 6
  here). Example: ``H34.20-261122-050007``.

The agency identifier follows the national agency code list: letters and digits in
dot-separated groups (no hyphen, so a code splits unambiguously). The sequence counts the
agency's receptions of that day; making it unique under concurrent receptions is the portal's
job. The date is the VN-local date of reception. A code of either format parses: the last group
has exactly 4 digits in the 2018 format and at least 6 in the 2025 one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from .calendar import to_vn

_IDENTIFIER = r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*"
_IDENTIFIER_RE = re.compile(rf"^{_IDENTIFIER}$")
_CODE_RE = re.compile(rf"^(?P<agency>{_IDENTIFIER})-(?P<day>\d{{6}})-(?P<seq>\d{{4}}|\d{{6,8}})$")
_SYSTEM_RE = re.compile(r"^\d{2}$")

#: The largest daily sequence of the 2018 format (4 digits).
MAX_SEQUENCE = 9999
#: The largest daily sequence of the 2025 format ("at least 4 digits"; 6 here).
MAX_SEQUENCE_2025 = 999_999

CODE_STYLES = ("2018", "2025")


@dataclass(frozen=True)
class CodeFormat:
    """Which rules a deployment writes new codes by: ``style`` "2018" or "2025", and for 2025 the
    two digits ``system`` of the agency owning the central system."""

    style: str = "2018"
    system: str = ""

    def __post_init__(self) -> None:
        if self.style not in CODE_STYLES:
            raise ValueError(f"code style must be one of {CODE_STYLES}, not {self.style!r}")
        if self.style == "2025" and not _SYSTEM_RE.match(self.system or ""):
            raise ValueError(f"the 2025 code style needs two digits for the central system, not {self.system!r}")

    @property
    def max_sequence(self) -> int:
        return MAX_SEQUENCE_2025 if self.style == "2025" else MAX_SEQUENCE


TT01_2018 = CodeFormat()


def format_code(agency_identifier: str, received_on: date | datetime, sequence: int,
                fmt: CodeFormat = TT01_2018) -> str:
    """The dossier code; ``ValueError`` for a bad identifier, a year outside 2000-2099 or a
    sequence outside 1..``fmt.max_sequence``. An aware datetime is converted to its VN-local date."""
    if not isinstance(agency_identifier, str) or not _IDENTIFIER_RE.match(agency_identifier):
        raise ValueError(f"invalid agency identifier: {agency_identifier!r}")
    if isinstance(received_on, datetime):
        received_on = to_vn(received_on).date()
    if not 2000 <= received_on.year <= 2099:
        raise ValueError(f"year {received_on.year} cannot be written as YY")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise TypeError(f"sequence must be an int, got {sequence!r}")
    if not 1 <= sequence <= fmt.max_sequence:
        raise ValueError(f"sequence must be within 1..{fmt.max_sequence}, got {sequence}")
    prefix = fmt.system if fmt.style == "2025" else ""
    return f"{agency_identifier}-{received_on:%y%m%d}-{prefix}{sequence:04d}"


def parse_code(code: str) -> tuple[str, date, int]:
    """``(agency identifier, reception date, sequence)`` of a code of either format;
    ``ValueError`` if malformed."""
    match = _CODE_RE.match(code.strip()) if isinstance(code, str) else None
    if match is None:
        raise ValueError(f"malformed dossier code: {code!r}")
    digits = match["day"]
    try:
        # YY is 2000-2099 (strptime's %y would read 69-99 as 1969-1999)
        day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        raise ValueError(f"malformed date in dossier code: {code!r}") from None
    tail = match["seq"]
    sequence = int(tail if len(tail) == 4 else tail[2:])
    if sequence == 0:
        raise ValueError(f"sequence 0 in dossier code: {code!r}")
    return match["agency"], day, sequence
