"""The one base class of use-case refusals.

A use case that refuses raises a ``DomainError`` (or a subclass): ``code`` is a stable key the
doors map to a translated message, ``status`` the HTTP status an HTTP door answers with. The
transaction boundary (``portal.transaction``) rolls back what the use case wrote before it
refused, unless the refusal is itself a fact worth keeping (``keeps_changes``: the record of a
failed sign-in, which the throttle counts).
"""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused: nothing it wrote is kept (unless ``keeps_changes``)."""

    status = 422
    keeps_changes = False

    def __init__(self, code: str, detail: str = "", **params: object):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.params = params  # the message's %(name)s placeholders


class AccountError(DomainError):
    """A use-case failure of accounts (``portal.operations.accounts``, ``citizen_registry``) with a
    machine code and the field it concerns (for forms and the API)."""

    status = 422

    def __init__(self, code: str, field: str | None = None, **params: object):
        super().__init__(code, **params)
        self.field = field
