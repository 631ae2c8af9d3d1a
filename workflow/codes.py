"""Dossier codes: ``<agency identifier>-<YYMMDD of reception>-<4-digit daily sequence>``.

Example: ``000.00.31.H33-261122-0007``. The agency identifier follows the national agency code
list: letters and digits in dot-separated groups (no hyphen, so a code splits unambiguously).
The sequence (1..9999) counts the agency's receptions of that day; making it unique under
concurrent receptions is the portal's job. The date is the VN-local date of reception.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .calendar import to_vn

_IDENTIFIER = r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*"
_IDENTIFIER_RE = re.compile(rf"^{_IDENTIFIER}$")
_CODE_RE = re.compile(rf"^(?P<agency>{_IDENTIFIER})-(?P<day>\d{{6}})-(?P<seq>\d{{4}})$")

MAX_SEQUENCE = 9999


def format_code(agency_identifier: str, received_on: date | datetime, sequence: int) -> str:
    """The dossier code; ``ValueError`` for a bad identifier, a year outside 2000-2099 or a
    sequence outside 1..9999. An aware datetime is converted to its VN-local date."""
    if not isinstance(agency_identifier, str) or not _IDENTIFIER_RE.match(agency_identifier):
        raise ValueError(f"invalid agency identifier: {agency_identifier!r}")
    if isinstance(received_on, datetime):
        received_on = to_vn(received_on).date()
    if not 2000 <= received_on.year <= 2099:
        raise ValueError(f"year {received_on.year} cannot be written as YY")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise TypeError(f"sequence must be an int, got {sequence!r}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be within 1..{MAX_SEQUENCE}, got {sequence}")
    return f"{agency_identifier}-{received_on:%y%m%d}-{sequence:04d}"


def parse_code(code: str) -> tuple[str, date, int]:
    """``(agency identifier, reception date, sequence)``; ``ValueError`` if malformed."""
    match = _CODE_RE.match(code.strip()) if isinstance(code, str) else None
    if match is None:
        raise ValueError(f"malformed dossier code: {code!r}")
    digits = match["day"]
    try:
        # YY is 2000-2099 (strptime's %y would read 69-99 as 1969-1999)
        day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        raise ValueError(f"malformed date in dossier code: {code!r}") from None
    sequence = int(match["seq"])
    if sequence == 0:
        raise ValueError(f"sequence 0000 in dossier code: {code!r}")
    return match["agency"], day, sequence
