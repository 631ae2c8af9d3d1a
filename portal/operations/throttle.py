"""Sign-in throttling that an attacker cannot turn against the account's owner.

Three counters of failed sign-ins (``login_counters``), each checked and raised by one statement
(an upsert whose ``WHERE`` refuses a blocked counter), so parallel attempts cannot get past a
limit: the statement locks the row until the request's transaction ends, and the next attempt
reads the count that this one left.

- **(account, address)**: ``max_failures_per_user`` wrong passwords are free; then that address
  waits ``window``, and every further failure doubles the wait (15, 30, 60 min ... at most a
  day). A success clears it. Only this pair is slowed: the right password from another address
  still works.
- **account** (every address): counts wrong passwords for the account in ``window``. It never
  blocks: past ``account_slowdown`` failures each address gets a single try (then the pair's
  exponential wait) instead of ``max_failures_per_user``, so guessing from many addresses is
  slowed, and the owner with the right password from a fresh address still signs in.
- **address** (every account): ``max_failures_per_address`` failures in ``window`` block the
  address for ``window`` (password spraying from one address).

Unknown usernames are counted exactly like existing ones (no enumeration through the throttle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import LoginCounter
from portal.models.types import UTCDateTime

PAIR, ACCOUNT, ADDRESS = "pair", "account", "address"
LONGEST_WAIT = timedelta(days=1)


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_per_user: int
    max_failures_per_address: int
    window: timedelta
    account_slowdown: int = 20

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        return cls(
            config["LOGIN_MAX_FAILURES_PER_USER"],
            config["LOGIN_MAX_FAILURES_PER_IP"],
            timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]),
            config["LOGIN_ACCOUNT_SLOWDOWN"],
        )


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(scope: str, username: str, address: str) -> dict:
    return {"scope": scope, "username": username if scope != ADDRESS else "",
            "address": address if scope != ACCOUNT else ""}


def _upsert(values: dict, set_: dict, where=None):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LoginCounter).values(**values)
    return statement.on_conflict_do_update(
        index_elements=["scope", "username", "address"], set_=set_, where=where,
    ).returning(LoginCounter.failures)


def _count(scope: str, username: str, address: str, now: datetime, period: timedelta, *,
           unless_blocked: bool = True) -> int | None:
    """Count one failure (a counter older than ``period`` starts again), unless the counter is
    blocked: the new count, or None. One statement: check and count cannot be separated."""
    at = literal(now, UTCDateTime())
    stale = LoginCounter.counting_since < literal(now - period, UTCDateTime())
    statement = _upsert(
        {**_key(scope, username, address), "failures": 1, "counting_since": now},
        {"failures": case((stale, 1), else_=LoginCounter.failures + 1),
         "counting_since": case((stale, at), else_=LoginCounter.counting_since),
         "blocked_until": case((stale, None), else_=LoginCounter.blocked_until)},
        where=((LoginCounter.blocked_until.is_(None)) | (LoginCounter.blocked_until <= at)) if unless_blocked else None,
    )
    return db.session.execute(statement).scalar()


def _where(scope: str, username: str, address: str):
    key = _key(scope, username, address)
    return (LoginCounter.scope == key["scope"], LoginCounter.username == key["username"],
            LoginCounter.address == key["address"])


def _retry_after(username: str, address: str, now: datetime) -> int:
    until = db.session.scalar(
        select(LoginCounter.blocked_until).where(
            LoginCounter.blocked_until > now,
            ((LoginCounter.scope == PAIR) & (LoginCounter.username == username) & (LoginCounter.address == address))
            | ((LoginCounter.scope == ADDRESS) & (LoginCounter.address == address)),
        ).order_by(LoginCounter.blocked_until.desc()).limit(1)
    )
    return max(1, math.ceil((until - now).total_seconds())) if until else 1


def admit(username: str, address: str, now: datetime, policy: ThrottlePolicy) -> int:
    """Before the password is checked: count the attempt on the pair and the address (as a
    failure, until ``settle`` says otherwise), or raise ``Throttled``. Returns the pair count."""
    pair = _count(PAIR, username, address, now, LONGEST_WAIT)
    if pair is None:
        raise Throttled(_retry_after(username, address, now))
    if _count(ADDRESS, username, address, now, policy.window) is None:
        db.session.execute(update(LoginCounter).where(*_where(PAIR, username, address))
                           .values(failures=LoginCounter.failures - 1))
        raise Throttled(_retry_after(username, address, now))
    return pair


def settle(username: str, address: str, now: datetime, policy: ThrottlePolicy, *, pair_failures: int,
           succeeded: bool) -> None:
    """After the password was checked: clear the pair on success; otherwise count the account's
    failure and block the pair and the address where they reached their limit."""
    if succeeded:
        db.session.execute(update(LoginCounter).where(*_where(PAIR, username, address))
                           .values(failures=0, blocked_until=None))
        db.session.execute(update(LoginCounter).where(*_where(ADDRESS, username, address))
                           .values(failures=LoginCounter.failures - 1))
        return
    account = _count(ACCOUNT, username, address, now, policy.window, unless_blocked=False) or 0
    free = 1 if account > policy.account_slowdown else policy.max_failures_per_user
    if pair_failures >= free:
        wait = min(policy.window * 2 ** min(pair_failures - free, 12), LONGEST_WAIT)
        db.session.execute(update(LoginCounter).where(*_where(PAIR, username, address))
                           .values(blocked_until=now + wait))
    address_failures = db.session.scalar(select(LoginCounter.failures).where(*_where(ADDRESS, username, address)))
    if address_failures is not None and address_failures >= policy.max_failures_per_address:
        db.session.execute(update(LoginCounter).where(*_where(ADDRESS, username, address))
                           .values(blocked_until=now + policy.window))


#: Public look-ups of a dossier by the last groups of its code and a phone number.
LOOKUP = "lookup"
#: Population-database lookups by someone not signed in (registration).
REGISTRY = "registry"


def count_attempt(scope: str, address: str, now: datetime, limit: int, window: timedelta) -> None:
    """Count one attempt of ``scope`` (e.g. ``LOOKUP``) from ``address``; past ``limit`` attempts
    in ``window`` the address waits ``window`` (``Throttled``). One statement checks and counts."""
    count = _count(scope, "", address, now, window)
    if count is None:
        raise Throttled(_retry_after_scope(scope, address, now))
    if count >= limit:
        db.session.execute(update(LoginCounter).where(*_where(scope, "", address)).values(blocked_until=now + window))


def _retry_after_scope(scope: str, address: str, now: datetime) -> int:
    until = db.session.scalar(select(LoginCounter.blocked_until).where(*_where(scope, "", address)))
    return max(1, math.ceil((until - now).total_seconds())) if until and until > now else 1
