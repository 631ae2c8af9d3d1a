"""Sending a dossier's standard form as PDF: the one answer of the office page, the citizen's page
and the API.

``render_form`` signs the form by the person who issued it and keeps the signed copy (so every
download is the same document; the response, below 400, commits it). When signing fails the form
is served unsigned and nothing the failed signing wrote is kept. ``FormNotAvailable`` (an unknown
form, or one the dossier has not reached) goes to the caller, which answers 404 its own way.
"""

from __future__ import annotations

from flask import Response

from portal.models import Dossier
from portal.operations.forms import render_form
from portal.transaction import discard


def form_pdf_response(dossier: Dossier, form: str, *, download: bool = False) -> Response:
    """Render ``form`` of ``dossier``, keep it when signed, and send it."""
    rendered = render_form(dossier, form)
    if rendered.sign_error:
        discard()
    disposition = "attachment" if download else "inline"
    return Response(rendered.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{rendered.filename}"',
        "X-Form-Signed": "true" if rendered.signed else "false",
        "Cache-Control": "private, no-store",
    })
