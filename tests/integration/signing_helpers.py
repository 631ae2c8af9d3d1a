"""Helpers for the signing tests: walk a dossier to the leader's signature, small PDFs."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from portal.extensions import db
from portal.models import Dossier
from tests.integration.lifecycle_helpers import act, new_submitted, vn


def at_leader_step(office, start=None) -> Dossier:
    """A dossier accepted and walked until the agency leader must approve (result proposed)."""
    t = start or vn(2026, 11, 23, 8, 0)
    dossier = new_submitted(office, t)
    act(dossier.id, "accept", office.officer, t)
    dossier = db.session.get(Dossier, dossier.id)
    while dossier.holder_role != "agency_leader":
        t += timedelta(hours=1)
        actor = office.by_role(dossier.holder_role)
        if dossier.holder_role == "specialist" and not dossier.result_proposed:
            dossier = act(dossier.id, "propose_result", actor, t, reason="Đủ điều kiện cấp")
        dossier = act(dossier.id, "forward", actor, t)
    assert dossier.result_proposed and not dossier.result_signed
    return dossier


def simple_pdf(text: str = "Dự thảo kết quả") -> bytes:
    from reportlab.pdfgen import canvas

    buf = BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def tamper(pdf: bytes) -> bytes:
    """Change one byte inside the first revision's page content (covered by every signature)."""
    marker = pdf.find(b"stream\n")
    assert marker > 0
    i = marker + 20
    return pdf[:i] + bytes([pdf[i] ^ 0x01]) + pdf[i + 1:]
