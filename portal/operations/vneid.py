"""Sign-in with VNeID (the national single sign-on, OpenID Connect; docs/accounts.md, "VNeID").

The door (portal/auth/vneid.py) runs the protocol with Authlib and hands over the claims of an ID
token it has verified (signature, issuer, audience, expiry, nonce). Here the citizen is found or
created by the personal identification number in those claims:

- no account with that number: a citizen account without a local password is created;
- an account opened by VNeID before: it is signed in;
- a local-password account never linked: nothing is signed in; the owner must give that account's
  password once (``link_local_account``), then VNeID opens it from then on;
- a staff or administrator account, or a locked one: refused.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import User
from portal.models.types import utcnow
from portal.models.user import DataSource
from portal.operations import audit, citizen_registry
from portal.operations.accounts import AccountError, authenticate, check_username
from portal.operations.throttle import ThrottlePolicy
from portal.text import normalize_phone
from workflow.citizen_id import InvalidCitizenId, parse_citizen_id
from workflow.states import Role

PROVIDER = "vneid"
PHONE = re.compile(r"0\d{9,10}")


class VneidRefused(AccountError):
    status = 403
    keeps_changes = True  # only the audit entry of the refusal was written: it is kept


@dataclass(frozen=True)
class VneidIdentity:
    """What the verified ID token (and the userinfo answer) says about the person."""

    subject: str
    id_number: str
    full_name: str | None = None
    phone: str | None = None
    email: str | None = None

    @classmethod
    def from_claims(cls, claims: dict, id_number_claim: str) -> VneidIdentity:
        def text(name: str) -> str | None:
            value = claims.get(name)
            return str(value).strip() or None if value is not None else None

        return cls(subject=text("sub") or "", id_number=text(id_number_claim) or "", full_name=text("name"),
                   phone=text("phone_number"), email=text("email"))


@dataclass(frozen=True)
class VneidOutcome:
    """``user`` is signed in, unless ``needs_link``: then ``user`` is the local account whose
    password its owner must give once before VNeID opens it."""

    user: User
    needs_link: bool = False


def sign_in(identity: VneidIdentity, *, client_address: str, now: datetime | None = None) -> VneidOutcome:
    try:
        number = parse_citizen_id(identity.id_number).number
    except InvalidCitizenId:
        audit.record("auth.vneid_refused", actor="vneid", address=client_address, reason="id_number")
        raise VneidRefused("vneid_id_number") from None
    user = db.session.scalar(select(User).where(User.id_number == number)) or _create_citizen(
        identity, number, client_address)
    _check_may_open(user, client_address)
    if user.identity_provider != PROVIDER:
        audit.record("auth.vneid_link_needed", user=user, object_type="user", object_id=user.id,
                     address=client_address)
        return VneidOutcome(user, needs_link=True)
    _signed_in(user, client_address, now)
    return VneidOutcome(user)


def link_local_account(user_id: int, id_number: str, password: str, *, client_address: str,
                       policy: ThrottlePolicy) -> User:
    """The owner proved the local account (its password, throttled as any sign-in): VNeID opens
    it from now on. ``id_number`` is the verified number the link was asked for."""
    user = db.session.get(User, user_id)
    if user is None or user.id_number != id_number or user.role != Role.CITIZEN.value:
        raise VneidRefused("vneid_link_expired")
    user = authenticate(user.username, password, client_address=client_address, policy=policy)
    user.identity_provider = PROVIDER
    audit.record("account.vneid_linked", user=user, object_type="user", object_id=user.id, address=client_address,
                 before={"identity_provider": None}, after={"identity_provider": PROVIDER})
    return user


def _check_may_open(user: User, client_address: str) -> None:
    if user.role != Role.CITIZEN.value:
        audit.record("auth.vneid_refused", user=user, address=client_address, reason="staff")
        raise VneidRefused("vneid_staff")
    if not user.is_active:
        audit.record("auth.vneid_refused", user=user, address=client_address, reason="locked")
        raise VneidRefused("vneid_locked")


def _create_citizen(identity: VneidIdentity, number: str, client_address: str) -> User:
    username = f"vneid.{number}"
    check_username(username)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        username = f"vneid.{number}.{secrets.token_hex(3)}"
    phone = normalize_phone(identity.phone or "") or ""
    email = (identity.email or "").lower()
    user = User(username=username, full_name=" ".join((identity.full_name or number).split())[:255],
                id_number=number, phone=phone if PHONE.fullmatch(phone) else None,
                email=email if "@" in email and len(email) <= 255 else None, role=Role.CITIZEN.value,
                identity_provider=PROVIDER)
    user.set_no_password()
    try:
        with db.session.begin_nested():  # the same person's first sign-in twice at once: one account
            db.session.add(user)
    except IntegrityError:
        return db.session.scalars(select(User).where(User.id_number == number)).one()
    for name in ("full_name", "id_number", "phone", "email"):
        if getattr(user, name):
            citizen_registry.set_source(user, name, DataSource.VNEID)
    audit.record("account.registered", user=user, object_type="user", object_id=user.id,
                 address=client_address, provider=PROVIDER)
    return user


def _signed_in(user: User, client_address: str, now: datetime | None) -> None:
    """As a password sign-in: the time of the last sign-in and the audit entry."""
    user.last_login_at = now or utcnow()
    audit.record("auth.login", user=user, address=client_address, provider=PROVIDER)
