"""Identifiers of the dossier lifecycle: statuses, actions, roles, channels, timeliness, result
kinds and delivery methods.

Identifiers only. The portal maps them to translated titles; nothing here is shown to users.

Statuses mirror the national public-service portal's codes (1..10) so that dossiers can be
synchronised with dichvucong.gov.vn; ``DRAFT`` precedes them for online filings that have not
been submitted yet and has no national code.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Lifecycle status of a dossier (hồ sơ)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # 1 mới đăng ký
    ACCEPTED = "accepted"  # 2 được tiếp nhận
    NOT_ACCEPTED = "not_accepted"  # 3 không được tiếp nhận
    IN_PROCESS = "in_process"  # 4 đang xử lý
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 5 yêu cầu bổ sung
    AWAITING_FEE = "awaiting_fee"  # 6 yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = "withdrawn"  # 7 công dân rút hồ sơ
    STOPPED = "stopped"  # 8 dừng xử lý
    PROCESSED = "processed"  # 9 đã xử lý xong (result ready)
    RETURNED = "returned"  # 10 đã trả kết quả


NATIONAL_CODE: dict[Status, int | None] = {
    Status.DRAFT: None,
    Status.SUBMITTED: 1,
    Status.ACCEPTED: 2,
    Status.NOT_ACCEPTED: 3,
    Status.IN_PROCESS: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.AWAITING_FEE: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.PROCESSED: 9,
    Status.RETURNED: 10,
}

#: Statuses a dossier never leaves. ``RETURNED`` still accepts ``Action.RATE``, which does not
#: change the status.
FINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}
)


def status_from_national_code(code: int) -> Status:
    """The status with national code ``code`` (1..10); ``ValueError`` otherwise."""
    for status, value in NATIONAL_CODE.items():
        if value is not None and value == code:
            return status
    raise ValueError(f"unknown national status code: {code!r}")


class Action(StrEnum):
    """What someone does to a dossier; each lifecycle event is one action."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    REFUSE_INTAKE = "refuse_intake"
    FORWARD = "forward"
    SEND_BACK = "send_back"
    PROPOSE_RESULT = "propose_result"
    APPROVE = "approve"
    REFUSE = "refuse"
    STOP = "stop"
    APOLOGIZE = "apologize"
    REQUEST_FEE = "request_fee"
    PAY_FEE = "pay_fee"
    SUPPLEMENT = "supplement"
    WITHDRAW = "withdraw"
    ISSUE_RESULT = "issue_result"
    RETURN_RESULT = "return_result"
    RATE = "rate"


class Role(StrEnum):
    """Who acts. A user may hold several roles; each action is performed in one of them."""

    CITIZEN = "citizen"
    ONE_STOP_OFFICER = "one_stop_officer"
    SPECIALIST = "specialist"
    UNIT_LEADER = "unit_leader"
    AGENCY_LEADER = "agency_leader"
    CLERK = "clerk"
    ADMIN = "admin"


#: Roles of agency staff (everyone except citizens), including administrators.
STAFF_ROLES: frozenset[Role] = frozenset(set(Role) - {Role.CITIZEN})

#: Staff roles that handle dossiers. Administrators manage the catalogue and users only.
PROCESSING_ROLES: frozenset[Role] = STAFF_ROLES - {Role.ADMIN}


class Channel(StrEnum):
    """How a dossier reached the agency."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    POST = "post"


class Timeliness(StrEnum):
    """Classification of a finished dossier or hand-over against its due date."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class ResultKind(StrEnum):
    """What the agency decided, recorded on a processed dossier (``dossiers.result_kind``)."""

    GRANTED = "granted"  # the result the applicant asked for (licence, certificate, ...)
    REFUSED = "refused"  # a written refusal (văn bản trả lời từ chối giải quyết)


class DeliveryMethod(StrEnum):
    """How the result is handed to the applicant (``procedures.result_delivery``, the
    ``delivery`` of a dossier's submission and of ``Action.RETURN_RESULT``)."""

    DESK = "desk"  # at the one-stop desk
    POST = "post"  # by public postal service (bưu chính công ích)
    ONLINE = "online"  # electronic copy with a digital signature
