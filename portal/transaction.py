"""The transaction boundary: one transaction per request and per CLI command.

Use cases flush; they never commit. The request ends here:

* a response below 400 commits; a response of 400 or more, an exception, or a refusal the view
  reported with ``refused(error)`` rolls back (a use case that refused part-way leaves nothing);
* a refusal that is a fact worth keeping (``DomainError.keeps_changes``, e.g. a failed sign-in
  the throttle counts) commits although the answer is an error;
* a commit that fails on a concurrent change (a unique key taken, a stale version row) rolls back
  and answers 409 with a clear message instead of a server error.

Side effects run after the commit through session events (stored files of a rolled-back
transaction are removed by ``portal.storage``; mail is delivered from the outbox later).

CLI commands get the same boundary from ``command_boundary``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, g, render_template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import api_error, human_message, wants_json
from portal.extensions import db
from portal.operations.errors import DomainError

_KEEP, _DISCARD = "keep", "discard"


def refused(error: DomainError) -> None:
    """Report that the request's use case refused: its writes are rolled back now (so that the
    page rendered next reads the stored state), except a refusal that keeps its changes."""
    if getattr(error, "keeps_changes", False):
        g.transaction_outcome = _KEEP
        return
    discard()


def discard() -> None:
    """The request answers normally but keeps nothing it wrote (e.g. a form served unsigned
    because signing failed half-way)."""
    db.session.rollback()
    g.transaction_outcome = _DISCARD


def _conflict() -> Response:
    if wants_json():
        return api_error(409)
    return Response(render_template("error.html", status=409, message=human_message(409)), status=409)


def _finish(response: Response) -> Response:
    outcome = g.pop("transaction_outcome", None)
    if outcome == _DISCARD or (response.status_code >= 400 and outcome != _KEEP):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        return _conflict()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_finish)

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(_error: StaleDataError) -> Response:
        """A row changed by another request between reading and writing it: 409, never a 500."""
        db.session.rollback()
        return _conflict()

    @app.teardown_request
    def _rollback_on_exception(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


def command_boundary(command: Callable[..., Any]) -> Callable[..., Any]:
    """A CLI command's transaction: commit when it returns, roll back when it raises."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = command(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return wrapper
