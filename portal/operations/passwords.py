"""The password policy of a government service (NIST SP 800-63B, section 5.1.1.2).

Length, not composition: at least ``PASSWORD_MIN_LENGTH`` characters, any characters. Refused:
a password from the common-password list that zxcvbn ships (the 30,000 most used passwords of
public breach corpora), also with digits or symbols added before or after it ("Password2026!");
a password that is, or contains, the username; one that contains the ID number (also reversed).
Case is ignored everywhere. Each refusal has its own message, on the web form and the API.
"""

from __future__ import annotations

import re
from functools import lru_cache

from portal.operations.errors import DomainError

MAX_LENGTH = 256
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_ALNUM = re.compile(r"[\W_]+")


class PasswordRefused(DomainError):
    status = 422

    def __init__(self, code: str, **params: object):
        super().__init__(code, **params)
        self.field = "password"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _NOT_ALNUM.sub("", lowered) in common:
        return True
    core = _EDGES.sub("", lowered)  # "Qwerty2026!" -> "qwerty", "123dragon" -> "dragon"
    return len(core) >= 4 and core in common


def contains_username(password: str, username: str | None) -> bool:
    name = _NOT_ALNUM.sub("", (username or "").lower())
    if len(name) < 3:
        return False
    flat = _NOT_ALNUM.sub("", password.lower())
    return name in flat or name[::-1] in flat


def contains_id_number(password: str, id_number: str | None) -> bool:
    number = "".join(ch for ch in (id_number or "") if ch.isdigit())
    if len(number) < 9:
        return False
    digits = "".join(ch for ch in password if ch.isdigit())
    return number in digits or number[::-1] in digits


def check_password(password: str, *, min_length: int, username: str | None = None,
                   id_number: str | None = None) -> None:
    """Raise ``PasswordRefused`` with the first rule ``password`` breaks."""
    password = password or ""
    if len(password) < min_length:
        raise PasswordRefused("password_too_short", min=min_length)
    if len(password) > MAX_LENGTH:
        raise PasswordRefused("password_too_long", max=MAX_LENGTH)
    if contains_username(password, username):
        raise PasswordRefused("password_has_username")
    if contains_id_number(password, id_number):
        raise PasswordRefused("password_has_id_number")
    if is_common(password):
        raise PasswordRefused("password_common")
