"""Notifications to applicants: an in-app notification always, and an e-mail, an SMS and a Zalo
message on the channels they chose in their profile (``User.notify_*``).

Every dossier event that matters to the applicant (whoever caused it: the citizen, an officer,
the payment gateway) adds a ``Notification`` row in the same transaction: a session hook watches
new ``DossierEvent`` rows, so no use case can forget it. E-mails go through SMTP when
``MAIL_SERVER`` is configured, and only after the transaction commits (a rolled-back action sends
nothing); they are written to the shared outbox (``portal.operations.outbox``, channel
``email``); without a mail server they stay there, which
administrators (and everyone in development) can read at /ho-so/hop-thu-di. SMS and Zalo notices
(``SHORT_TEXTS``: one short text per kind, with the dossier's code and a link) go to the same
outbox, channels ``sms`` and ``zalo`` (``portal.operations.messaging``).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Dossier, DossierEvent, User
from portal.models.filing import Feedback, Notification, OutboxChannel, OutboxMessage
from portal.models.types import utcnow
from portal.operations import messaging, outbox
from portal.operations.dossiers import item_names
from portal.text import format_vnd
from workflow.calendar import VN_TZ
from workflow.states import Action, Role

log = logging.getLogger(__name__)

TITLES = {
    Action.SUBMIT: _l("Đã nhận hồ sơ nộp trực tuyến của bạn"),
    Action.ACCEPT: _l("Hồ sơ đã được tiếp nhận"),
    Action.REFUSE_INTAKE: _l("Hồ sơ không được tiếp nhận"),
    Action.REQUEST_SUPPLEMENT: _l("Hồ sơ cần bổ sung, hoàn thiện"),
    Action.SUPPLEMENT: _l("Đã nhận phần bổ sung hồ sơ"),
    Action.REQUEST_FEE: _l("Đề nghị nộp phí, lệ phí"),
    Action.PAY_FEE: _l("Đã ghi nhận nộp phí, lệ phí"),
    Action.APOLOGIZE: _l("Thư xin lỗi và hẹn lại ngày trả kết quả"),
    Action.ISSUE_RESULT: _l("Đã có kết quả giải quyết hồ sơ"),
    Action.REFUSE: _l("Đã có kết quả giải quyết hồ sơ"),
    Action.RETURN_RESULT: _l("Đã trả kết quả hồ sơ"),
    Action.STOP: _l("Hồ sơ bị dừng xử lý"),
    Action.WITHDRAW: _l("Hồ sơ đã được rút"),
}
BODIES = {
    Action.SUBMIT: _l("Hồ sơ “%(procedure)s” đã được gửi lúc %(at)s, mã hồ sơ %(code)s. Bộ phận Một cửa sẽ kiểm tra và thông báo khi tiếp nhận."),
    Action.ACCEPT: _l("Hồ sơ “%(procedure)s” đã được tiếp nhận với mã %(code)s. Ngày hẹn trả kết quả: %(due)s."),
    Action.REFUSE_INTAKE: _l("Hồ sơ “%(procedure)s” không được tiếp nhận. Lý do: %(reason)s"),
    Action.REQUEST_SUPPLEMENT: _l("Hồ sơ %(code)s cần bổ sung: %(items)s. Lý do: %(reason)s. Thời hạn giải quyết tạm dừng đến khi bạn bổ sung."),
    Action.SUPPLEMENT: _l("Phần bổ sung của hồ sơ %(code)s đã được gửi; thời hạn giải quyết được tính tiếp."),
    Action.REQUEST_FEE: _l("Hồ sơ %(code)s cần nộp phí, lệ phí %(amount)s."),
    Action.PAY_FEE: _l("Khoản phí, lệ phí %(amount)s của hồ sơ %(code)s đã được ghi nhận."),
    Action.APOLOGIZE: _l("Hồ sơ %(code)s được hẹn lại ngày trả kết quả: %(due)s. Lý do: %(reason)s"),
    Action.ISSUE_RESULT: _l("Hồ sơ %(code)s đã có kết quả. Bạn có thể nhận kết quả theo hình thức đã chọn."),
    Action.REFUSE: _l("Hồ sơ %(code)s đã có kết quả (văn bản trả lời). Lý do: %(reason)s"),
    Action.RETURN_RESULT: _l("Kết quả hồ sơ %(code)s đã được trả. Mời bạn đánh giá mức độ hài lòng."),
    Action.STOP: _l("Hồ sơ %(code)s bị dừng xử lý. Lý do: %(reason)s"),
    Action.WITHDRAW: _l("Hồ sơ “%(procedure)s” đã được rút theo đề nghị. Lý do: %(reason)s"),
}

#: The short notices for the phone (SMS, Zalo): one per kind, the code and a link, within one SMS
#: (sent without diacritics when the gateway requires it; portal.operations.messaging.sms_text).
SHORT_TEXTS = {
    Action.SUBMIT: _l("DVC Lai Châu: Đã nhận hồ sơ %(code)s nộp trực tuyến. Xem: %(link)s"),
    Action.ACCEPT: _l("DVC Lai Châu: Hồ sơ %(code)s đã được tiếp nhận, hẹn trả %(due)s. Xem: %(link)s"),
    Action.REFUSE_INTAKE: _l("DVC Lai Châu: Hồ sơ %(code)s không được tiếp nhận. Xem: %(link)s"),
    Action.REQUEST_SUPPLEMENT: _l("DVC Lai Châu: Hồ sơ %(code)s cần bổ sung. Xem: %(link)s"),
    Action.SUPPLEMENT: _l("DVC Lai Châu: Đã nhận phần bổ sung hồ sơ %(code)s. Xem: %(link)s"),
    Action.REQUEST_FEE: _l("DVC Lai Châu: Hồ sơ %(code)s cần nộp phí, lệ phí %(amount)s. Xem: %(link)s"),
    Action.PAY_FEE: _l("DVC Lai Châu: Đã ghi nhận phí, lệ phí hồ sơ %(code)s. Xem: %(link)s"),
    Action.APOLOGIZE: _l("DVC Lai Châu: Hồ sơ %(code)s được hẹn lại ngày trả %(due)s. Xem: %(link)s"),
    Action.ISSUE_RESULT: _l("DVC Lai Châu: Hồ sơ %(code)s đã có kết quả. Xem: %(link)s"),
    Action.REFUSE: _l("DVC Lai Châu: Hồ sơ %(code)s đã có kết quả (văn bản trả lời). Xem: %(link)s"),
    Action.RETURN_RESULT: _l("DVC Lai Châu: Đã trả kết quả hồ sơ %(code)s. Xem: %(link)s"),
    Action.STOP: _l("DVC Lai Châu: Hồ sơ %(code)s bị dừng xử lý. Xem: %(link)s"),
    Action.WITHDRAW: _l("DVC Lai Châu: Hồ sơ %(code)s đã được rút. Xem: %(link)s"),
}

# Notices about the account itself (no dossier).
DUPLICATE_REGISTRATION = "duplicate_registration"
TITLES[DUPLICATE_REGISTRATION] = _l("Có người đăng ký tài khoản bằng số định danh của bạn")  # type: ignore[index]
BODIES[DUPLICATE_REGISTRATION] = _l(  # type: ignore[index]
    "Lúc %(at)s có người đăng ký một tài khoản mới bằng số định danh cá nhân của bạn. Tài khoản mới "
    "không được tạo: mỗi số định danh chỉ có một tài khoản, là tài khoản “%(username)s” của bạn. "
    "Nếu đó là bạn, hãy đăng nhập bằng tài khoản này (quên mật khẩu: liên hệ Bộ phận Một cửa). "
    "Nếu không phải bạn, tài khoản của bạn vẫn an toàn; nếu thấy điều bất thường, hãy báo Bộ phận Một cửa."
)

# The agency's answer to the citizen's feedback (phản ánh, kiến nghị): ``notify_feedback_answered``.
FEEDBACK_ANSWERED = "feedback_answered"
TITLES[FEEDBACK_ANSWERED] = _l("Phản ánh, kiến nghị của bạn đã được trả lời")  # type: ignore[index]
BODIES[FEEDBACK_ANSWERED] = _l(  # type: ignore[index]
    "Phản ánh, kiến nghị %(code)s “%(subject)s” đã được %(agency)s trả lời lúc %(at)s: %(answer)s"
)


def _local(dt) -> str:
    return dt.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if dt else ""


def _params(dossier: Dossier, ev: DossierEvent) -> dict:
    payload = ev.payload or {}
    return {
        "code": dossier.code or "", "procedure": dossier.procedure.name_vi, "at": _local(ev.at),
        "due": _local(dossier.due_at), "reason": ev.comment or "", "amount": format_vnd(dossier.fee_amount or 0),
        "items": "; ".join(item_names(dossier, payload.get("items", []))) or (ev.comment or ""),
    }


def title(notification: Notification) -> str:
    return str(TITLES.get(notification.kind, notification.kind))


def body(notification: Notification) -> str:
    template = BODIES.get(notification.kind)
    if template is None:
        return ""
    params = {key: "" for key in ("code", "procedure", "at", "due", "reason", "amount", "items", "username",
                                  "subject", "agency", "answer")}
    params.update(notification.params or {})
    return str(template) % params


def notify_account(user: User, kind: str) -> Notification:
    """A notice about ``user``'s account: on the account's notification page and, when the
    owner gave an e-mail address, by e-mail through the outbox (in this transaction)."""
    now = utcnow()
    note = Notification(user_id=user.id, dossier_id=None, kind=kind,
                        params={"at": _local(now), "username": user.username}, created_at=now)
    db.session.add(note)
    if user.email:
        _queue_mail(db.session, user.email, note)
    return note


def notify_feedback_answered(feedback: Feedback) -> Notification | None:
    """Tell the citizen who sent ``feedback`` that it was answered (in the app, and by e-mail
    when they gave an address); nobody to tell for feedback without a citizen's account."""
    citizen = db.session.get(User, feedback.user_id) if feedback.user_id else None
    if citizen is None or citizen.role != Role.CITIZEN:
        return None
    note = Notification(user_id=citizen.id, dossier_id=feedback.dossier_id, kind=FEEDBACK_ANSWERED, params={
        "code": feedback.code or "", "subject": feedback.subject, "at": _local(feedback.answered_at),
        "agency": feedback.agency.name_vi if feedback.agency else "", "answer": feedback.answer or ""},
        created_at=feedback.answered_at or utcnow())
    db.session.add(note)
    if citizen.email:
        _queue_mail(db.session, citizen.email, note)
    return note


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def for_user(user: User, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


#: The channels whose messages are people's notices (the outbox page lists them).
PERSONAL_CHANNELS = (OutboxChannel.EMAIL.value, OutboxChannel.SMS.value, OutboxChannel.ZALO.value)


def mail_outbox(limit: int = 200) -> list[OutboxMessage]:
    """E-mails, SMS and Zalo messages, newest first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel.in_(PERSONAL_CHANNELS))
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def undrained_channels() -> set[str]:
    """The channels without a configured server or provider: their messages would be sent, and
    stay in the outbox (the development sink)."""
    config = current_app.config
    configured = {OutboxChannel.EMAIL.value: config.get("MAIL_SERVER"), OutboxChannel.SMS.value: config.get("SMS_GATEWAY_URL"),
                  OutboxChannel.ZALO.value: config.get("ZALO_API_URL")}
    return {channel for channel, server in configured.items() if not server}


# ---------------------------------------------------------------------------------------------
# The hook


@event.listens_for(Session, "before_flush")
def _notify_applicants(session: Session, _context, _instances) -> None:
    events = [obj for obj in session.new if isinstance(obj, DossierEvent) and obj.action in TITLES]
    if not events:
        return
    with session.no_autoflush:
        for ev in events:
            dossier = session.get(Dossier, ev.dossier_id)
            if dossier is None or dossier.applicant_id is None:
                continue
            applicant = session.get(User, dossier.applicant_id)
            if applicant is None or applicant.role != Role.CITIZEN:
                continue
            note = Notification(user_id=applicant.id, dossier_id=dossier.id, kind=ev.action,
                                params=_params(dossier, ev), created_at=ev.at or utcnow())
            session.add(note)
            if applicant.email and applicant.notify_email:
                _queue_mail(session, applicant.email, note)
            _queue_short_notices(session, applicant, dossier, note)


def short_text(note: Notification, code: str, link: str) -> str:
    """The notice's short text for a phone (Vietnamese, with diacritics)."""
    params = {"due": "", "amount": "", **(note.params or {}), "code": code, "link": link}
    with force_locale("vi"):
        return str(SHORT_TEXTS[note.kind]) % params


def _queue_short_notices(session: Session, applicant: User, dossier: Dossier, note: Notification) -> None:
    """The SMS and the Zalo message of ``note`` on the channels the applicant chose."""
    phone = messaging.international_phone(applicant.phone)
    wanted = applicant.notify_sms or applicant.notify_zalo
    if phone is None or note.kind not in SHORT_TEXTS or not wanted or not has_app_context():
        return
    config = current_app.config
    link = f"{config.get('PORTAL_BASE_URL') or ''}/ho-so/{dossier.id}"
    code = dossier.code or f"#{dossier.id}"  # a dossier not yet accepted may have no code
    text = short_text(note, code, link)
    if applicant.notify_sms:
        sms = messaging.sms_text(text, bool(config["SMS_ASCII_ONLY"]))
        session.add(messaging.sms_message(phone, sms, dossier.id, code, note.kind))
    template = messaging.zalo_template(note.kind)
    if applicant.notify_zalo and template:
        with force_locale("vi"):
            data = {"code": code, "title": title(note), "link": link}
        session.add(messaging.zalo_message(phone, template, dossier.id, data, text, note.kind))


def _queue_mail(session: Session, address: str, note: Notification) -> None:
    """Write the e-mail to the outbox, in the transaction of the change it reports."""
    with force_locale("vi"):
        subject, text = title(note), body(note)
    queue_mail(session, address, subject, text)


def queue_mail(session: Session, address: str, subject: str, text: str) -> OutboxMessage:
    """An e-mail in the outbox, in the caller's transaction (delivered by ``flask outbox send``)."""
    message = OutboxMessage(channel=OutboxChannel.EMAIL.value, to_address=address, subject="[Dịch vụ công Lai Châu] " + subject, body=text)
    session.add(message)
    return message


def deliver_outbox(limit: int = 200) -> tuple[int, int]:
    """Send one batch of due e-mails through SMTP; returns (sent, failed). The caller commits.

    The e-mail channel of the shared outbox (``portal.operations.outbox``): locked with SKIP
    LOCKED on PostgreSQL, a failure retried later with back-off, parked after MAIL_MAX_ATTEMPTS.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return 0, 0
    result = outbox.drain_batch(OutboxChannel.EMAIL, _mail_transport, limit)
    return result.delivered, result.failed


def _mail_transport(rows: list[OutboxMessage]) -> list[str | None]:
    return send_mail([(row.to_address or "", row.subject or "", row.body or "") for row in rows])


def send_mail(messages: list[tuple[str, str, str]]) -> list[str | None]:
    """Send ``(to, subject, body)`` messages through the configured SMTP server; returns, per
    message, ``None`` when sent or the error text. Never raises for a mail-server problem."""
    config = current_app.config
    outcome: list[str | None] = [None] * len(messages)
    position = 0  # messages before this one were handed to the server
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for i, (to, subject, text) in enumerate(messages):
                message = EmailMessage()
                message["From"] = config["MAIL_SENDER"]
                message["To"] = to
                message["Subject"] = subject
                message.set_content(text)
                try:
                    smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused as error:
                    outcome[i] = f"refused: {error}"
                position = i + 1
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail server unavailable: %s", error)
        for i in range(position, len(messages)):
            outcome[i] = outcome[i] or f"server: {error}"
    return outcome
