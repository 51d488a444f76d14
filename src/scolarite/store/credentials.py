"""API credentials: HTTP Basic logins and X-ApiKey keys, stored hashed.

Passwords are hashed with Argon2 (slow on purpose); API keys are random 256-bit
tokens, so a SHA-256 digest is enough and lets a key be found by its digest.  To
keep Argon2 off the hot path, a successful Basic check is remembered in memory as
(login, SHA-256 of the password) -> the stored hash it matched.  On top of that,
a successful check of any kind may be remembered for a short time
(``cache_seconds``, ``SCOLARITE_AUTH_CACHE_SECONDS``): within that delay a
request costs no database read, and a revocation or password change takes effect
when it expires.  When it expires, the requests that arrive together share one
check (instead of each reading the credential at once), and the check reads
through the raw read path, like the requests themselves.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Database, utcnow

_hasher = PasswordHasher()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _new_id(result: sa.CursorResult[Any]) -> int:
    """The id of the credential an INSERT of one row created."""
    key = result.inserted_primary_key
    assert key is not None  # one row, inserted
    return int(key[0])


class LoginExists(ValueError):
    """The login already has a live password (replace it instead)."""

    def __init__(self, login: str):
        super().__init__(f"the login {login!r} already exists")
        self.login = login


@dataclass
class Principal:
    id: int
    kind: str
    name: str


class Credentials:
    def __init__(self, db: Database, cache_seconds: float = 0.0, hash_concurrency: int = 2):
        self.db = db
        # Argon2 verifications at once: a flood of wrong passwords takes these slots, not every core.
        self._slots = asyncio.Semaphore(max(1, hash_concurrency))
        self._dummy: str | None = None
        self.table = db.metadata.tables["scolarite_credential"]
        self._verified: dict[tuple[str, str], str] = {}
        # Successful checks are remembered for ``cache_seconds`` (a revocation made
        # elsewhere takes effect within that delay); 0 reads the row on every request.
        self.cache_seconds = cache_seconds
        self._recent: dict[tuple[str, str, str], tuple[Principal, float]] = {}
        self._pending: dict[tuple[str, str, str], asyncio.Future[Principal | None]] = {}
        t = self.table
        live = t.c.revoked_at.is_(None)
        self._by_login = sa.select(t.c.id, t.c.secret_hash).where(
            t.c.kind == "basic", t.c.name == sa.bindparam("login"), live
        )
        self._by_key = sa.select(t.c.id, t.c.name).where(
            t.c.kind == "apikey", t.c.lookup == sa.bindparam("lookup"), live
        )
        self._by_login_sql = db.raw(self._by_login)
        self._by_key_sql = db.raw(self._by_key)

    def _remembered(self, key: tuple[str, str, str]) -> Principal | None:
        hit = self._recent.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        return None

    def _remember(self, key: tuple[str, str, str], principal: Principal | None) -> Principal | None:
        if principal is not None and self.cache_seconds > 0:
            if len(self._recent) > 10_000:
                self._recent.clear()
            self._recent[key] = (principal, time.monotonic() + self.cache_seconds)
        return principal

    async def add_basic(self, login: str, password: str) -> int:
        """A new login; :class:`LoginExists` if it already has a live password (the
        database's unique index decides, so two concurrent additions cannot both win)."""
        self._check_new(login, password)
        try:
            async with self.db.engine.begin() as conn:
                return await self._insert_basic(conn, login, password)
        except sa.exc.IntegrityError:
            raise LoginExists(login) from None

    async def replace_basic(self, login: str, password: str) -> tuple[int, int]:
        """Give ``login`` a new password: its live one is revoked in the same transaction.
        Returns ``(new id, credentials revoked)``; adds the login when it has none."""
        self._check_new(login, password)
        t = self.table
        async with self.db.engine.begin() as conn:
            revoked = await conn.execute(
                sa.update(t)
                .where(t.c.kind == "basic", t.c.name == login, t.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return await self._insert_basic(conn, login, password), revoked.rowcount

    async def has_login(self, login: str) -> bool:
        t = self.table
        async with self.db.engine.connect() as conn:
            found = await conn.execute(
                sa.select(t.c.id).where(t.c.kind == "basic", t.c.name == login, t.c.revoked_at.is_(None))
            )
            return found.first() is not None

    @staticmethod
    def _check_new(login: str, password: str) -> None:
        if not login or ":" in login:
            raise ValueError("a login must be non-empty and may not contain ':'")
        if not password:
            raise ValueError("a password may not be empty")

    async def _insert_basic(self, conn: AsyncConnection, login: str, password: str) -> int:
        hashed = await asyncio.to_thread(_hasher.hash, password)
        result = await conn.execute(
            sa.insert(self.table).values(kind="basic", name=login, secret_hash=hashed, created_at=utcnow())
        )
        return _new_id(result)

    async def add_key(self, label: str) -> tuple[int, str]:
        key = secrets.token_urlsafe(32)
        async with self.db.engine.begin() as conn:
            result = await conn.execute(
                sa.insert(self.table).values(
                    kind="apikey", name=label, lookup=_digest(key), secret_hash=_digest(key), created_at=utcnow()
                )
            )
            return _new_id(result), key

    async def list(self) -> list[dict[str, Any]]:
        t = self.table
        async with self.db.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(t.c.id, t.c.kind, t.c.name, t.c.created_at, t.c.revoked_at).order_by(t.c.id)
            )
            return [dict(r._mapping) for r in rows]

    async def revoke(self, ident: str) -> int:
        """Revoke by numeric id, or every live credential of that login / label."""
        t = self.table
        cond = t.c.id == int(ident) if ident.isdigit() else t.c.name == ident
        async with self.db.engine.begin() as conn:
            result = await conn.execute(sa.update(t).where(cond, t.c.revoked_at.is_(None)).values(revoked_at=utcnow()))
            return int(result.rowcount)

    async def count(self) -> int:
        async with self.db.engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.count()).select_from(self.table).where(self.table.c.revoked_at.is_(None))
                )
            ).scalar_one()

    async def _shared(
        self, key: tuple[str, str, str], check: Callable[[], Awaitable[Principal | None]]
    ) -> Principal | None:
        """One check per key at a time: concurrent requests with the same
        credentials wait for the same answer."""
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(check())
            pending.add_done_callback(lambda _done: self._pending.pop(key, None))
        return self._remember(key, await asyncio.shield(pending))

    def remembered_basic(self, login: str, password: str) -> Principal | None:
        """The principal of a login and password checked successfully a moment ago, reading nothing."""
        return self._remembered(("basic", login, _digest(password)))

    def remembered_key(self, key: str) -> Principal | None:
        return self._remembered(("apikey", "", _digest(key)))

    async def check_basic(self, login: str, password: str) -> Principal | None:
        key = ("basic", login, _digest(password))
        return self._remembered(key) or await self._shared(key, lambda: self._check_basic(login, password))

    async def _verify(self, stored: str, password: str) -> bool:
        async with self._slots:  # Argon2 takes tens of milliseconds: in a thread, a few at a time
            try:
                return await asyncio.to_thread(_hasher.verify, stored, password)
            except (VerificationError, InvalidHashError):
                return False

    async def _unknown_login(self, password: str) -> None:
        """An unknown login costs what a wrong password costs (a verification against a hash of nothing), so
        that the time of a refusal does not tell which logins exist."""
        if self._dummy is None:
            self._dummy = await asyncio.to_thread(_hasher.hash, secrets.token_urlsafe(16))
        await self._verify(self._dummy, password)

    async def _check_basic(self, login: str, password: str) -> Principal | None:
        async with self.db.reads() as ex:
            rows = await ex.fetch(self._by_login_sql.sql, self._by_login_sql.args({"login": login}))
        if not rows:
            await self._unknown_login(password)
            return None
        memo = (login, _digest(password))
        known = self._verified.get(memo)
        for cid, stored in rows:
            if known is not None and secrets.compare_digest(known, stored):
                return Principal(cid, "basic", login)
        for cid, stored in rows:
            if not await self._verify(stored, password):
                continue
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[memo] = stored
            return Principal(cid, "basic", login)
        return None

    async def check_key(self, key: str) -> Principal | None:
        memo = ("apikey", "", _digest(key))
        return self._remembered(memo) or await self._shared(memo, lambda: self._check_key(key))

    async def _check_key(self, key: str) -> Principal | None:
        async with self.db.reads() as ex:
            rows = await ex.fetch(self._by_key_sql.sql, self._by_key_sql.args({"lookup": _digest(key)}))
        return Principal(rows[0][0], "apikey", rows[0][1]) if rows else None
