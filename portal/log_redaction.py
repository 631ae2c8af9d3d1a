"""Logs without personal data or secrets.

Two layers, so that a failing request never writes a citizen's data or a password hash to the log:

* every engine hides its bound parameters (``hide_parameters`` in ``SQLALCHEMY_ENGINE_OPTIONS``,
  ``portal.config``), so SQLAlchemy's messages carry the SQL with placeholders only;
* every log record of the process passes ``redact_record`` when it is created (a log record factory,
  whatever the logger and the handler): the message and the traceback lose what the database said
  about the values (PostgreSQL's ``DETAIL: Key (id_number)=(...)``, ``Failing row contains (...)``;
  only the exception type, SQLSTATE, table, column and constraint stay), and then anything shaped like
  a password hash, an e-mail address, an ID number or a phone number is replaced by a placeholder.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Iterator

REDACTIONS = (
    (re.compile(r"\b(?:scrypt|pbkdf2)[:\w]*\$[^\s'\",)\]]+"), "[password hash]"),  # werkzeug's hashes
    (re.compile(r"\$(?:argon2\w*|2[aby])\$[^\s'\",)\]]+"), "[password hash]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"(?<![\w.])\+?\d{9,12}(?![\w.])"), "[number]"),  # ID numbers (9 or 12 digits), phones
)


def scrub(text: str) -> str:
    for pattern, placeholder in REDACTIONS:
        text = pattern.sub(placeholder, text)
    return text


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending += [item.__cause__, item.__context__, getattr(item, "orig", None)]


def _driver_summary(error: BaseException) -> str | None:
    """What a database driver's error may say in a log: its SQLSTATE and the names involved, never
    the values (PostgreSQL's message and DETAIL quote them)."""
    diag = getattr(error, "diag", None)
    sqlstate = getattr(error, "sqlstate", None)
    if diag is None and sqlstate is None:
        return None
    names = [f"{label} {value}" for label, value in (
        ("SQLSTATE", sqlstate), ("table", getattr(diag, "table_name", None)),
        ("column", getattr(diag, "column_name", None)), ("constraint", getattr(diag, "constraint_name", None)))
        if value]
    return "database error (" + ", ".join(names) + "; message withheld from the log)"


def _withhold(text: str, error: BaseException) -> str:
    """``text`` without what the database drivers in ``error``'s chain said about values."""
    for item in _chain(error):
        summary = _driver_summary(item)
        if summary is not None and str(item):
            text = text.replace(str(item), summary)
    return text


def redacted_traceback(error: BaseException) -> str:
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip("\n")
    return scrub(_withhold(text, error))


def redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record is logged as it came
        return
    for arg in record.args if isinstance(record.args, tuple) else ():
        if isinstance(arg, BaseException):
            message = _withhold(message, arg)
    record.msg, record.args = scrub(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redacted_traceback(record.exc_info[1])
        record.exc_info = None  # no handler formats the raw exception again
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)


def install() -> None:
    """Redact every log record of the process from now on (idempotent)."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, "portal_redacting", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    factory.portal_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
