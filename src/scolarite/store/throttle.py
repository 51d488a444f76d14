"""Failed sign-ins: who must wait before trying again, in memory and shared by the server's processes.

Keys are a client address (every login tried from it) and a login at an address.  A key that has failed
``limit`` times within ``window`` seconds waits 1 s, then twice as long after each new failure, up to
``max_backoff``; a success at the address clears its login's key.  A key never covers another address, so
the right password keeps working from everywhere else during a flood, and a wait never lasts longer than
``max_backoff``.

Every process remembers the keys it has seen fail (answering a waiting key costs no database read), and
writes each failure to ``scolarite_auth_failure`` with one upsert, so that a flood spread over the workers
of a server, or over several servers on one database, is counted once (the row holds the count and the time
of the last failure; the wait follows from them).  A process that has not seen a key fail reads its row only
when it is about to verify a password, which it does only for credentials it has not verified recently
(successful checks are remembered: the hot path reads nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from scolarite.errors import DomainError

from .backend import Connection
from .db import Database, utcnow
from .errors import database_error

log = logging.getLogger("scolarite.auth")


@dataclass(frozen=True)
class Policy:
    limit: int  # failures before the first wait
    window: float  # seconds after which past failures are forgotten
    max_backoff: float  # seconds

    def wait(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row."""
        if failures < self.limit:
            return 0.0
        return min(self.max_backoff, 2.0 ** min(failures - self.limit, 30))


@dataclass
class _Seen:
    last: float  # monotonic
    until: float  # monotonic; 0: not waiting


class Throttle:
    def __init__(self, db: Database, per_login: Policy, per_address: Policy):
        self.db = db
        self.table = db.metadata.tables["scolarite_auth_failure"]
        self._insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        self.policies = {"login": per_login, "address": per_address}
        self._seen: dict[str, _Seen] = {}

    @staticmethod
    def keys(address: str, login: str | None) -> list[tuple[str, str]]:
        """(kind, key) pairs of an attempt: the address, and the login at the address."""
        keys = [("address", f"a:{address}")]
        if login is not None:
            keys.append(("login", f"l:{address}:{login[:200]}"))
        return keys

    def waiting(self, keys: list[tuple[str, str]]) -> float:
        """Seconds this process knows the attempt must still wait (0: none), without reading anything."""
        now = time.monotonic()
        longest = 0.0
        for _, key in keys:
            seen = self._seen.get(key)
            if seen is not None and seen.until > now:
                longest = max(longest, seen.until - now)
        return longest

    async def shared_wait(self, keys: list[tuple[str, str]]) -> float:
        """Seconds the attempt must wait according to the failures every process counted (one read of the
        keys' rows); the wait follows from the count by this process's own policy."""
        known = self.waiting(keys)
        if known:
            return known
        t = self.table
        kinds = {key: kind for kind, key in keys}
        async with self.db.engine.connect() as conn:
            rows = (
                await conn.execute(sa.select(t.c.key, t.c.failures, t.c.last_at).where(t.c.key.in_(list(kinds))))
            ).all()
        now = utcnow()
        longest = 0.0
        for key, failures, last_at in rows:
            policy = self.policies[kinds[key]]
            age = (now - last_at).total_seconds()
            left = policy.wait(failures) - age if age < policy.window else 0.0
            longest = max(longest, left)
            # Remembered even when not waiting: a success then knows there is a count to clear.
            self._remember(key, time.monotonic() + left if left > 0 else 0.0)
        return longest

    async def failed(self, keys: list[tuple[str, str]]) -> float:
        """Count a failure against every key; returns how long the attempt's keys must now wait."""
        now, clock = utcnow(), time.monotonic()
        longest = 0.0
        try:
            async with self.db.write() as conn:
                for kind, key in keys:
                    policy = self.policies[kind]
                    failures = await self._count(conn, key, now, policy)
                    wait = policy.wait(failures)
                    self._remember(key, clock + wait if wait else 0.0)
                    longest = max(longest, wait)
        except (sa.exc.DBAPIError, DomainError) as exc:  # the refusal stands; this failure is not counted
            error = database_error(exc)  # the database's error, or the one the store translated
            if error is None:
                raise
            log.warning("could not count a failed sign-in (%s)", type(error.orig).__name__)
        return longest

    async def succeeded(self, keys: list[tuple[str, str]]) -> None:
        """A success clears the login's key at the address (the address's own count ages out)."""
        # Only a key with a count, seen failing here or read by shared_wait (which any process runs before
        # verifying a password), has a row: a success writes nothing otherwise.
        logins = [key for kind, key in keys if kind == "login" and key in self._seen]
        if not logins:
            return
        for key in logins:
            self._seen.pop(key, None)
        try:
            async with self.db.write() as conn:
                await conn.execute(sa.delete(self.table).where(self.table.c.key.in_(logins)))
        except (sa.exc.DBAPIError, DomainError) as exc:  # e.g. SQLite locked by another writer: the count ages out
            error = database_error(exc)
            if error is None:
                raise
            log.warning("could not clear failed sign-ins (%s); they age out", type(error.orig).__name__)

    async def _count(self, conn: Connection, key: str, now: dt.datetime, policy: Policy) -> int:
        """The key's failures in a row, this one included (one upsert; a count older than the window restarts)."""
        t = self.table
        stale = now - dt.timedelta(seconds=policy.window)
        insert = self._insert(t).values(key=key, failures=1, last_at=now)
        excluded = insert.excluded
        stmt = insert.on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "failures": sa.case((t.c.last_at < stale, 1), else_=t.c.failures + 1),
                "last_at": excluded.last_at,
            },
        ).returning(t.c.failures)
        return int((await conn.execute(stmt)).scalar_one())

    def _remember(self, key: str, until: float) -> None:
        """Note when the key was last seen and until when it waits (0: not waiting)."""
        if len(self._seen) > 100_000:  # a flood of addresses: forget the oldest half
            for old in sorted(self._seen, key=lambda k: self._seen[k].last)[: len(self._seen) // 2]:
                del self._seen[old]
        self._seen[key] = _Seen(time.monotonic(), until)


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
