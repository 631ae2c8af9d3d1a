"""Asking the population database (docs/population-registry.md): the one use case every door calls
to confirm a person's identity and to prefill what the registry holds.

``lookup`` is the only place that asks the registry; each question is an audit entry
(``registry.lookup``: who asked, about which ID number, for what purpose, and what came back),
recorded in the caller's transaction. The refusals it leads to (``IdentityRefused``: the name does
not match the number, the number is not registered, the date of birth differs) keep that entry
(``keeps_changes``) and change nothing else: the registry's data never silently replaces what the
person typed.

When the registry is not configured (``POPULATION_REGISTRY_URL`` empty) nothing is asked and
nothing is refused. When it does not answer (down, slow, an answer not signed by it) the work goes
on and the data is marked unconfirmed.

Who uses it:

- registration (``accounts.register_citizen``): ``check_new_citizen`` before the account exists,
  ``apply_to_new_account`` after;
- the profile page, the API and ``flask registry confirm-user``: ``confirm_profile``;
- the filing forms: ``filing_prefill`` when the e-form opens, ``check_filing_data`` when it is
  saved to go on and again at submission (``filing.submit``) when the data changed or was not
  confirmed;
- ``flask registry check`` (an officer's check from the command line): ``lookup``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from portal.extensions import db
from portal.integrations import population_registry
from portal.integrations.population_registry import RegisteredCitizen, RegistryUnavailable, Verdict
from portal.models import CitizenDataSource, User
from portal.models.types import utcnow
from portal.models.user import DataSource
from portal.operations import audit, throttle
from portal.operations.errors import AccountError

ACTION = "registry.lookup"


class Purpose(enum.StrEnum):
    """Why the registry was asked (it travels with the request and into the audit log)."""

    REGISTRATION = "registration"
    PROFILE = "profile"
    FILING_PREFILL = "filing_prefill"
    FILING = "filing"
    OFFICER_CHECK = "officer_check"


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class IdentityStatus(enum.StrEnum):
    """``users.identity_status`` and the ``status`` of a dossier's registry stamp."""

    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"


_OUTCOMES = {Verdict.MATCH: Outcome.CONFIRMED, Verdict.MISMATCH: Outcome.MISMATCH,
             Verdict.NOT_FOUND: Outcome.NOT_FOUND}


class IdentityRefused(AccountError):
    """The registry contradicts what was typed: ``field`` is the field concerned. The lookup's
    audit entry is kept; nothing else was written."""

    status = 422
    keeps_changes = True


class RegistryOff(AccountError):
    status = 409


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    citizen: RegisteredCitizen | None = None
    checked_at: datetime = field(default_factory=utcnow)

    @property
    def confirmed(self) -> bool:
        return self.outcome is Outcome.CONFIRMED


def enabled() -> bool:
    return bool(current_app.config.get("POPULATION_REGISTRY_URL"))


def lookup(id_number: str, full_name: str, *, purpose: Purpose, actor: User | None, client_address: str | None,
           subject: User | None = None, **context: object) -> Lookup | None:
    """Ask the registry about ``id_number`` and ``full_name``; None when it is not configured.
    Audited: ``actor`` (None: someone not signed in, e.g. registering) asked about the person
    ``id_number`` (whose account is ``subject``, when known) for ``purpose``."""
    registry = population_registry.from_config(current_app.config)
    if registry is None:
        return None
    requester = actor.username if actor is not None else "anonymous"
    reason = None
    try:
        answer = registry.verify(id_number, " ".join((full_name or "").split()), purpose=purpose.value,
                                 requester=requester)
        found = Lookup(_OUTCOMES[answer.verdict], answer.citizen)
    except RegistryUnavailable as error:
        current_app.logger.warning("population registry unavailable: %s", error.reason)
        found, reason = Lookup(Outcome.UNAVAILABLE), error.reason
    details = {"purpose": purpose.value, "outcome": found.outcome.value, "account": subject.id if subject else None,
               **{k: v for k, v in context.items() if v is not None}}
    if reason:
        details["reason"] = reason
    audit.record(ACTION, user=actor, actor=requester, object_type="person", object_id=id_number,
                 address=client_address, **details)
    return found


def refuse(found: Lookup, *, name_field: str = "full_name", id_field: str = "id_number") -> None:
    """The refusal a mismatch or an unknown number leads to (nothing for the other outcomes)."""
    if found.outcome is Outcome.MISMATCH:
        raise IdentityRefused("registry_mismatch", name_field)
    if found.outcome is Outcome.NOT_FOUND:
        raise IdentityRefused("registry_not_found", id_field)


# ---------------------------------------------------------------------------------------------
# Where each piece of a profile came from


def set_source(user: User, field_name: str, source: DataSource, now: datetime | None = None) -> None:
    row = db.session.get(CitizenDataSource, (user.id, field_name))
    if row is None:
        db.session.add(CitizenDataSource(user_id=user.id, field=field_name, source=source.value,
                                         recorded_at=now or utcnow()))
    else:
        row.source, row.recorded_at = source.value, now or utcnow()


def sources_of(user: User) -> dict[str, str]:
    """field -> source of ``user``'s profile."""
    rows = db.session.scalars(db.select(CitizenDataSource).where(CitizenDataSource.user_id == user.id))
    return {row.field: row.source for row in rows}


def _apply(user: User, found: Lookup) -> dict[str, tuple[object, object]]:
    """The registry's data on the profile (the caller decided it may): what changed."""
    citizen = found.citizen
    assert citizen is not None
    now = found.checked_at
    changes: dict[str, tuple[object, object]] = {}
    for name, value in (("full_name", citizen.full_name), ("date_of_birth", citizen.date_of_birth),
                        ("address", citizen.permanent_address)):
        if value in (None, ""):
            continue
        if getattr(user, name) != value:
            changes[name] = (getattr(user, name), value)
            setattr(user, name, value)
        set_source(user, name, DataSource.POPULATION_REGISTRY, now)
    set_source(user, "id_number", DataSource.POPULATION_REGISTRY, now)
    user.identity_status, user.identity_checked_at = IdentityStatus.CONFIRMED.value, now
    return changes


# ---------------------------------------------------------------------------------------------
# Registration


class RegistryThrottled(AccountError):
    status = 429
    keeps_changes = True


def check_new_citizen(id_number: str, full_name: str, *, client_address: str | None) -> Lookup | None:
    """Before a citizen account is created: a mismatch or an unknown number refuses. Someone not
    signed in could use this to test names against ID numbers, so these lookups are counted per
    address (``REGISTRY_LOOKUPS_PER_WINDOW`` in ``LOGIN_WINDOW_SECONDS``)."""
    if not enabled():
        return None
    now = utcnow()
    try:
        throttle.count_attempt(throttle.REGISTRY, client_address or "unknown", now,
                               int(current_app.config["REGISTRY_LOOKUPS_PER_WINDOW"]),
                               timedelta(seconds=int(current_app.config["LOGIN_WINDOW_SECONDS"])))
    except throttle.Throttled as blocked:
        raise RegistryThrottled("registry_throttled", "id_number",
                                minutes=max(1, -(-blocked.retry_after // 60))) from None
    found = lookup(id_number, full_name, purpose=Purpose.REGISTRATION, actor=None, client_address=client_address)
    if found is not None:
        refuse(found)
    return found


def apply_to_new_account(user: User, found: Lookup | None) -> None:
    """The sources of a new account's fields: the citizen's, then what the registry confirmed
    and gave (date of birth, permanent address); unconfirmed when it did not answer."""
    for name in ("full_name", "id_number", "phone", "email", "address"):
        if getattr(user, name):
            set_source(user, name, DataSource.CITIZEN)
    if found is None:
        return
    if found.confirmed:
        _apply(user, found)
    else:
        user.identity_status, user.identity_checked_at = IdentityStatus.UNCONFIRMED.value, found.checked_at


# ---------------------------------------------------------------------------------------------
# The profile


@dataclass(frozen=True)
class ProfileConfirmation:
    outcome: Outcome
    changes: dict[str, tuple[object, object]]

    @property
    def confirmed(self) -> bool:
        return self.outcome is Outcome.CONFIRMED


def confirm_profile(user: User, *, actor: User | None = None, client_address: str | None) -> ProfileConfirmation:
    """Confirm a citizen's name and ID number and take the registered date of birth and permanent
    address (the citizen asked for it, or ``actor`` did from the command line). A mismatch or an
    unknown number refuses and changes nothing; no answer marks the profile unconfirmed."""
    if not enabled():
        raise RegistryOff("registry_off")
    if not user.id_number:
        raise IdentityRefused("registry_no_id_number", "id_number")
    found = lookup(user.id_number, user.full_name, purpose=Purpose.PROFILE, actor=actor or user,
                   client_address=client_address, subject=user)
    assert found is not None
    refuse(found)
    if not found.confirmed:
        user.identity_status, user.identity_checked_at = IdentityStatus.UNCONFIRMED.value, found.checked_at
        return ProfileConfirmation(found.outcome, {})
    changes = _apply(user, found)
    audit.record("account.registry_confirmed", user=actor or user, object_type="user", object_id=user.id,
                 address=client_address,
                 before={k: _plain(v[0]) for k, v in changes.items()}, after={k: _plain(v[1]) for k, v in changes.items()})
    return ProfileConfirmation(found.outcome, changes)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


# ---------------------------------------------------------------------------------------------
# Filing


#: The profile fields the registry gives (``prefill`` sources of the e-form).
REGISTRY_FIELDS = ("full_name", "date_of_birth", "address")


def _field_for(schema: list[dict], source: str) -> str | None:
    return next((spec["name"] for spec in schema if spec.get("prefill") == source), None)


@dataclass(frozen=True)
class Prefill:
    values: dict
    outcome: Outcome | None  # None: the registry was not asked
    from_registry: tuple[str, ...] = ()  # the e-form fields the registry filled


def filing_prefill(user: User, schema: list[dict], *, procedure_code: str, client_address: str | None) -> Prefill:
    """What the registry holds for the signed-in citizen, for the e-form fields whose ``prefill``
    names a field it gives (date of birth, permanent address, name). The registry is asked only
    when it is configured, the citizen has an ID number and the e-form has such a field."""
    wanted = {source: _field_for(schema, source) for source in REGISTRY_FIELDS}
    if not enabled() or not user.id_number or not any(wanted.values()):
        return Prefill({}, None)
    found = lookup(user.id_number, user.full_name, purpose=Purpose.FILING_PREFILL, actor=user,
                   client_address=client_address, subject=user, procedure=procedure_code)
    assert found is not None
    if not found.confirmed or found.citizen is None:
        return Prefill({}, found.outcome)
    given = {"full_name": found.citizen.full_name, "date_of_birth": found.citizen.date_of_birth,
             "address": found.citizen.permanent_address}
    values = {name: given[source] for source, name in wanted.items() if name and given[source]}
    return Prefill(values, found.outcome, tuple(values))


def filing_digest(schema: list[dict], data: dict) -> str | None:
    """What identifies the person of an e-form (ID number, name, date of birth); None when the
    e-form has no ID number and name of the applicant to check."""
    names = [_field_for(schema, source) for source in ("id_number", "full_name", "date_of_birth")]
    if not names[0] or not names[1] or not data.get(names[0]) or not data.get(names[1]):
        return None
    values = [" ".join(str(data.get(name) or "").split()).casefold() if name else "" for name in names]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()


def check_filing_data(schema: list[dict], data: dict, user: User, *, procedure_code: str,
                      client_address: str | None, dossier_id: int | None = None) -> dict | None:
    """Confirm the applicant of an e-form (the fields whose ``prefill`` is ``id_number``,
    ``full_name`` and ``date_of_birth``) before it is kept to go on or submitted. Returns the
    stamp kept on the dossier (``applicant["registry"]``): confirmed, or unconfirmed when the
    registry did not answer; None when there is nothing to check or no registry. A name that does
    not match, a number not registered, or another date of birth: ``IdentityRefused``."""
    digest = filing_digest(schema, data)
    if digest is None or not enabled():
        return None
    id_field, name_field = _field_for(schema, "id_number"), _field_for(schema, "full_name")
    birth_field, address_field = _field_for(schema, "date_of_birth"), _field_for(schema, "address")
    assert id_field and name_field
    found = lookup(str(data[id_field]).strip(), str(data[name_field]), purpose=Purpose.FILING, actor=user,
                   client_address=client_address, subject=user, procedure=procedure_code, dossier=dossier_id)
    assert found is not None
    refuse(found, name_field=name_field, id_field=id_field)
    stamp = {"status": IdentityStatus.UNCONFIRMED.value, "checked_at": found.checked_at.isoformat(), "digest": digest}
    if not found.confirmed or found.citizen is None:
        return stamp
    citizen = found.citizen
    if birth_field and data.get(birth_field) and citizen.date_of_birth \
            and str(data[birth_field]) != citizen.date_of_birth.isoformat():
        raise IdentityRefused("registry_birth_date_mismatch", birth_field)
    stamp["status"] = IdentityStatus.CONFIRMED.value
    if address_field and data.get(address_field) and citizen.permanent_address:
        # The citizen may live elsewhere: a different address is kept as typed, and noted.
        stamp["address_as_registered"] = _same_text(str(data[address_field]), citizen.permanent_address)
    return stamp


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
