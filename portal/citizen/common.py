"""What the citizen's page modules share: the blueprint, access to one's own dossier, refusals,
and the small translations of a request into a use case's input.

The routes are in ``filing_views`` (file a dossier, answer a supplement request),
``follow_views`` (my dossiers, a dossier's page, withdrawal, notices, public lookup, files) and
``payment_views`` (fees, rating, feedback); ``portal.citizen.views`` loads them all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal.access import roles_required
from portal.citizen import forms
from portal.i18n import current_language
from portal.messages import message_for, upload_refusal
from portal.operations import filing
from portal.operations.filing import FilingError, Limits
from portal.payments.views import bp as sandbox_bank_bp
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("citizen", __name__, url_prefix="/ho-so", template_folder="templates")
bp.register_blueprint(sandbox_bank_bp)

citizen_only = roles_required(Role.CITIZEN)


def limits() -> Limits:
    return Limits.from_config(current_app.config)


def fail(error: FilingError) -> None:
    """The use case refused: nothing it wrote is kept (``refused``), and the citizen is told why."""
    refused(error)
    flash(message_for(error), "error")


def accepted_types(document: dict) -> tuple[str, ...]:
    """What the citizen's pages take for ``document``: a photo for a PDF is converted."""
    return filing.accepted_types(document, photos_as_pdf=True)


def document_name(dossier, key: str) -> str:
    """The name of the document ``key`` of the dossier's procedure, in the reader's language."""
    document = filing.document_spec(dossier, key) or {}
    if current_language() == "en" and document.get("name_en"):
        return document["name_en"]
    return document.get("name_vi") or key[:64]


def upload_refused(dossier, key: str, filename: str | None, error: FilingError) -> str:
    """Why the upload of ``filename`` to the document ``key`` was refused, naming both; nothing
    the request wrote is kept."""
    refused(error)
    document = filing.document_spec(dossier, key) or {}
    return upload_refusal(error, filing.clean_filename(filename), document_name(dossier, key),
                          accepted_types(document) if document else ())


def with_dossier(view):
    """Load the signed-in citizen's dossier ``dossier_id`` (anyone else's is a 404)."""

    @wraps(view)
    def wrapper(dossier_id: int, *args, **kwargs):
        try:
            dossier = filing.own_dossier(dossier_id, current_user)
        except FilingError:
            abort(404)
        return view(dossier, *args, **kwargs)

    return wrapper


def plain_post() -> None:
    """A button with no fields of its own: only the CSRF token is checked (400 otherwise)."""
    if not forms.PlainForm().validate_on_submit():
        abort(400)


def posted_version(field) -> int | None:
    """The dossier version the page was showing (a hidden field), for optimistic locking."""
    raw = field.data or ""
    return int(raw) if raw.isdigit() else None


def to_detail(dossier):
    return redirect(url_for("citizen.detail", dossier_id=dossier.id))


def attempt(valid: bool, use_case: Callable[[], object]) -> int | None:
    """Run the use case of a posted form: None when it went through; otherwise the status of the
    page to show again (200 for a GET, 422 for an invalid form, the refusal's own status when
    the use case refused: reported with ``fail``)."""
    if request.method != "POST":
        return 200
    if not valid:
        return 422
    try:
        use_case()
    except FilingError as error:
        fail(error)
        return error.status
    return None
