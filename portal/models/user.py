from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.types import UTCDateTime, utcnow
from workflow.states import Role

ROLE_VALUES = tuple(role.value for role in Role)
#: Not a werkzeug hash (no "$"): ``check_password_hash`` is False for every password.
NO_PASSWORD = "!no-local-password"
STAFF_ROLE_VALUES = tuple(role.value for role in Role if role not in (Role.CITIZEN,))


class User(UserMixin, db.Model):
    """A person who signs in: a citizen, an officer of an agency, a leader or an administrator."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{r}'" for r in ROLE_VALUES) + ")", name="role_known"
        ),
        CheckConstraint(
            "role IN ('citizen', 'admin') OR agency_id IS NOT NULL", name="staff_have_agency"
        ),
        Index("uq_users_id_number", "id_number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(255))
    id_number: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[str | None] = mapped_column(String(255))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    # The channels the citizen chose for notices about their dossiers (the in-app notice always
    # comes): e-mail when an address is given, SMS when a phone number is given, Zalo.
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_zalo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by logout, a password change, a lock or a role change: every web session and API
    # token carries the generation it was opened under and stops working when it differs.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Two-factor sign-in (TOTP, portal.operations.two_factor): the secret encrypted with a key
    # derived from SECRET_KEY; enrolled once the owner confirmed a code; the time step of the last
    # code accepted (a code is refused a second time).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # "vneid": VNeID sign-in opens this account (created by it, or linked after the owner gave
    # the local password once); None: a local-password account only.
    identity_provider: Mapped[str | None] = mapped_column(String(16))
    # The population database (docs/population-registry.md): the registered date of birth, and
    # whether the name and ID number were confirmed there ("confirmed"), could not be checked
    # because it did not answer ("unconfirmed"), or were never checked (None), and when.
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    identity_status: Mapped[str | None] = mapped_column(String(16))
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship()

    # Flask-Login reads ``is_active``.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_account

    def get_id(self) -> str:
        # Flask-Login keeps this in the session: the session ends when the generation moves on.
        return f"{self.id}.{self.session_generation}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLE_VALUES and self.role != Role.ADMIN.value

    def set_password(self, password: str) -> None:
        # scrypt (werkzeug's default): memory-hard, salted.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_no_password(self) -> None:
        """An account without a local password (opened by VNeID only): a hash no password matches."""
        self.password_hash = NO_PASSWORD

    @property
    def has_password(self) -> bool:
        return self.password_hash != NO_PASSWORD

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class DataSource(enum.StrEnum):
    """Where a piece of a citizen's profile came from."""

    VNEID = "vneid"
    POPULATION_REGISTRY = "population_registry"
    CITIZEN = "citizen"


#: The profile fields whose source is kept.
SOURCED_FIELDS = ("full_name", "id_number", "date_of_birth", "address", "phone", "email")


class CitizenDataSource(db.Model):
    """Where one field of a citizen's profile came from, and when it was last set from there."""

    __tablename__ = "citizen_data_sources"
    __table_args__ = (
        CheckConstraint("source IN (" + ", ".join(f"'{s.value}'" for s in DataSource) + ")", name="source_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept in the database so that throttling holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A bearer token of the JSON API. Only its SHA-256 is stored; revoking sets ``revoked_at``."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship()


class PasswordReset(db.Model):
    """A one-time password reset an administrator started (``portal.operations.password_resets``).

    Only the SHA-256 of the secret is stored; the secret reaches the person as a link (e-mail)
    and as a code (printed). It ends when used, when it expires, or when a newer reset replaces it.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginCounter(db.Model):
    """Failed sign-ins counted per (account, address), per account and per address.

    ``scope`` is ``pair``, ``account`` or ``address``; the unused key is ''. A counter is checked
    and raised by one statement (``portal.operations.throttle``), so parallel attempts cannot
    get past a limit; it starts again a period after ``counting_since``; ``blocked_until`` is
    when the next attempt is allowed.
    """

    __tablename__ = "login_counters"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    counting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def normalize_username(username: str) -> str:
    return username.strip().lower()

