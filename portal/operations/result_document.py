"""The result document of a dossier, and what every issued document shares: the headers (from
the agency's data), the applicant as printed, the number from the register of issued documents.

The result is the document the procedure's catalogue entry names (decision, licence, certificate,
other document) or, for a refusal, the written reply; it is issued by the deciding agency under its
own header with the next number of its register (``portal.operations.document_register``), the
date of issue, the signer's title and "Nơi nhận". The specialist's draft is the same document
marked "DỰ THẢO" without a number: it is never signed and never given to the applicant.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from portal import documents as docs
from portal.lazy import lazy_module
from portal.models import Agency, Dossier, User
from portal.models.types import utcnow
from portal.operations import document_register
from workflow.calendar import VN_TZ
from workflow.states import ResultKind, Role

if TYPE_CHECKING:
    from portal.documents.common import RenderedForm
    from portal.documents.result import ResultData

# ReportLab (about 0.2 s of start-up) loads at the first result document.
result_pdf = lazy_module("portal.documents.result")

#: A signer's title when the account states no position (printed, always in Vietnamese).
DEFAULT_POSITIONS = {
    Role.AGENCY_LEADER.value: "Thủ trưởng cơ quan", Role.UNIT_LEADER.value: "Lãnh đạo phòng",
    Role.ONE_STOP_OFFICER.value: "Công chức tiếp nhận", Role.SPECIALIST.value: "Chuyên viên",
    Role.CLERK.value: "Văn thư",
}


def local_day(dt: datetime | None) -> date:
    return (dt or utcnow()).astimezone(VN_TZ).date()


def position_of(user: User | None) -> str:
    if user is None:
        return ""
    return user.position or DEFAULT_POSITIONS.get(user.role, "Cán bộ")


def desk_header(agency: Agency, at: datetime | None, number: str | None = None) -> docs.Header:
    """The header of a form the receiving unit issues (receipt, supplement request, refusal,
    control sheet, register): the agency's one-stop unit (Trung tâm Phục vụ hành chính công of
    the province or of the commune), or the agency over its own desk."""
    governing, unit = agency.desk_header()
    place = (agency.one_stop_unit or agency).place()
    return docs.Header(managing_body=governing, unit=unit, phrase=agency.desk_name(), place=place,
                       number=number, date=local_day(at))


def letter_header(agency: Agency, at: datetime | None, number: str | None = None) -> docs.Header:
    """The header of a letter the deciding agency signs (result, apology, stop notice)."""
    governing, name = agency.letter_header()
    return docs.Header(managing_body=governing, unit=name, phrase=agency.name_vi, place=agency.place(),
                       number=number, date=local_day(at))


def desk_agency(agency: Agency) -> Agency:
    """The agency whose register numbers the desk forms: the one-stop unit, or the agency itself."""
    return agency.one_stop_unit or agency


def _prefilled(dossier: Dossier) -> dict[str, str]:
    """What the applicant typed into the e-form fields that stand for their own details
    (``prefill: address`` ...), by detail."""
    values = dossier.form_data or {}
    found: dict[str, str] = {}
    for spec in dossier.form_snapshot or []:
        key = spec.get("prefill") or (spec.get("name") if spec.get("name") in ("address", "phone", "email") else None)
        value = values.get(spec.get("name"))
        if key and isinstance(value, str) and value.strip() and key not in found:
            found[key] = value.strip()
    return found


def applicant_of(dossier: Dossier) -> docs.Applicant:
    """The applicant as printed: the details stated on the dossier, completed from the e-form
    where the dossier leaves one empty (an address typed into the form, not into the profile)."""
    a = dossier.applicant or {}
    typed = _prefilled(dossier)

    def pick(key: str) -> str:
        return str(a.get(key) or typed.get(key) or "").strip()

    return docs.Applicant(
        full_name=pick("full_name"), id_number=pick("id_number"), address=pick("address"), phone=pick("phone"),
        email=pick("email"), proxy_name=a.get("proxy_name") or None, proxy_id_number=a.get("proxy_id_number") or None,
        proxy_address=a.get("proxy_address") or None, proxy_phone=a.get("proxy_phone") or None,
        proxy_email=a.get("proxy_email") or None, authorisation=a.get("authorisation") or None,
    )


def code_of(dossier: Dossier) -> str:
    return dossier.code or f"Chưa cấp mã (hồ sơ số {dossier.id})"


def result_data(dossier: Dossier, signer: User | None, now: datetime, *, note: str = "",
                draft: bool = False, granted: bool | None = None) -> ResultData:
    """The result of ``dossier`` as ``signer`` issues it at ``now``; outside a draft this takes
    (once) the result's number from the deciding agency's register. ``granted``: by default as
    the dossier's result kind says."""
    agency = dossier.agency
    if granted is None:
        granted = dossier.result_kind != ResultKind.REFUSED
    document = result_pdf.result_document(dossier.procedure.result_vi, granted)
    number, issued = None, now
    if not draft:
        entry = document_register.register(
            agency, book=document_register.OUTGOING, kind=document.symbol, dossier_id=dossier.id,
            document="result" if granted else "result_refused", title=f"{document.name} - {code_of(dossier)}", issued_on=local_day(now))
        number = entry.symbol
        issued = datetime.combine(entry.issued_on, datetime.min.time(), VN_TZ)
    unit = agency.one_stop_unit
    return result_pdf.ResultData(
        header=letter_header(agency, issued, number), document=document, dossier_code=code_of(dossier),
        procedure_name=dossier.procedure.name_vi, applicant=applicant_of(dossier), received_at=dossier.received_at,
        granted=granted, reason=note, agency_name=agency.name_vi,
        signer_title=position_of(signer) if signer is not None else DEFAULT_POSITIONS[Role.AGENCY_LEADER.value],
        signer_name=signer.full_name if signer is not None else "",
        legal_basis=[str(b) for b in (dossier.procedure.legal_basis or [])][:6],
        details=result_pdf.form_details(dossier.form_snapshot, dossier.form_data) if granted else [],
        one_stop_unit=unit.name_vi if unit is not None else None, draft=draft,
    )


def render_result_document(dossier: Dossier, signer: User | None, now: datetime, *, note: str = "",
                           draft: bool = False, granted: bool | None = None) -> RenderedForm:
    return result_pdf.render_result(result_data(dossier, signer, now, note=note, draft=draft, granted=granted))
