"""The store's transactions raise the domain's errors (``store/errors.py``), on both databases: a unique
violation is a conflict (or invalid, as the entity declares it), a value the database refuses is invalid, an
overloaded database is unavailable; the transaction is rolled back all the same, and any other error goes on
unchanged."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from scolarite.errors import ConflictError, DomainError, UnavailableError, ValidationError
from scolarite.model import schema
from scolarite.store.db import Database
from scolarite.store.errors import DATA_EXCEPTIONS, OTHER_DATA_EXCEPTION, UNKNOWN_UNIQUE

PLACE = schema.entity("AutreLieuFormation")
USER = schema.entity("User")


def on_database(url: str, go: Callable[[Database], Awaitable[Any]], **options: Any) -> Any:
    async def run() -> Any:
        db = Database(schema, url, **options)
        try:
            return await go(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


async def live(db: Database, entity: Any, **where: Any) -> int:
    table = db.table(entity)
    async with db.write() as conn:
        stmt = sa.select(sa.func.count()).select_from(table).where(*[table.c[k] == v for k, v in where.items()])
        return int((await conn.execute(stmt)).scalar_one())


def test_a_duplicate_is_a_conflict_and_the_write_is_rolled_back(database_url, api_key):
    code = f"DUP{uuid.uuid4().hex[:8]}"

    async def go(db: Database) -> tuple[DomainError, int, int]:
        with pytest.raises(ConflictError) as caught:
            async with db.write() as conn:
                await db.insert(conn, PLACE, {"Nom": "first", "Code": code})
                await db.insert(conn, PLACE, {"Nom": "second", "Code": code})
        rolled_back = await live(db, PLACE, Code=code)
        async with db.write() as conn:  # the connection is usable again
            await db.insert(conn, PLACE, {"Nom": "again", "Code": code})
        return caught.value, rolled_back, await live(db, PLACE, Code=code)

    error, rolled_back, kept = on_database(database_url, go)
    assert type(error) is ConflictError
    assert error.message == "another AutreLieuFormation already has the Code 'this value' (R100)"
    assert isinstance(error.__cause__, sa.exc.IntegrityError)
    assert (rolled_back, kept) == (0, 1)


def test_a_duplicate_the_entity_calls_invalid_is_a_validation_error(database_url, api_key):
    login = f"dup.{uuid.uuid4().hex[:8]}"

    async def go(db: Database) -> DomainError:
        with pytest.raises(ValidationError) as caught:
            async with db.write() as conn:
                for name in ("first", "second"):
                    await db.insert(conn, USER, {"Nom": name, "Login": login, "Prenom": "", "Mail": ""})
        return caught.value

    error = on_database(database_url, go)
    assert type(error) is ValidationError
    assert error.message == "the Login 'this value' is already used by another user (R80)"


def test_another_integrity_error_is_a_conflict(database_url, api_key):
    async def go(db: Database) -> None:
        settings = db.metadata.tables["scolarite_setting"]
        async with db.write() as conn:
            await conn.execute(sa.insert(settings).values(name=None, value={}))

    with pytest.raises(ConflictError) as caught:
        on_database(database_url, go)
    assert caught.value.message == UNKNOWN_UNIQUE


def test_a_value_the_database_refuses_is_invalid_in_reads_and_writes(database_url, api_key):
    async def go(db: Database) -> list[DomainError]:
        table = db.table(PLACE)
        huge = sa.select(table.c.Id).where(table.c.Id == sa.bindparam("key", type_=sa.BigInteger()))
        compiled = db.raw(huge)
        errors = []
        with pytest.raises(ValidationError) as caught:
            async with db.reads() as ex:
                await ex.fetch(compiled.sql, compiled.args({"key": 2**70}))
        errors.append(caught.value)
        with pytest.raises(ValidationError) as caught:
            async with db.write() as conn:
                await conn.execute(huge, {"key": 2**70})
        errors.append(caught.value)
        return errors

    for error in on_database(database_url, go):
        assert type(error) is ValidationError
        assert error.message in {*DATA_EXCEPTIONS.values(), OTHER_DATA_EXCEPTION}


def test_a_data_exception_of_the_server_is_named(database_url, api_key):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (SQLite divides by zero into NULL)")

    async def go(db: Database) -> list[str]:
        messages = []
        with pytest.raises(ValidationError) as caught:
            async with db.reads() as ex:
                await ex.fetch("SELECT 1 / 0", ())
        messages.append(caught.value.message)
        with pytest.raises(ValidationError) as caught:
            async with db.read() as conn:
                await conn.execute(sa.text("SELECT 1 / 0"))
        messages.append(caught.value.message)
        with pytest.raises(ValidationError) as caught:
            async with db.write() as conn:
                await conn.execute(sa.text("SELECT 1 / 0"))
        messages.append(caught.value.message)
        return messages

    assert on_database(database_url, go) == ["this request divides by zero"] * 3


def test_a_violation_found_at_commit_is_a_conflict(database_url, api_key):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (deferred constraints)")

    async def go(db: Database) -> None:
        async with db.write() as conn:
            await conn.execute(
                sa.text("CREATE TEMP TABLE deferred (x int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP")
            )
            await conn.execute(sa.text("INSERT INTO deferred VALUES (1), (1)"))

    with pytest.raises(ConflictError) as caught:
        on_database(database_url, go)
    assert caught.value.message == UNKNOWN_UNIQUE
    assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)


def test_other_errors_go_on_unchanged(database_url, api_key):
    async def go(db: Database) -> list[BaseException]:
        errors: list[BaseException] = []
        with pytest.raises(sa.exc.DBAPIError) as caught:
            async with db.reads() as ex:
                await ex.fetch("SELECT * FROM no_such_table", ())
        errors.append(caught.value)
        with pytest.raises(sa.exc.DBAPIError) as caught:
            async with db.write() as conn:
                await conn.execute(sa.text("SELECT * FROM no_such_table"))
        errors.append(caught.value)
        with pytest.raises(RuntimeError):  # not the database's: untouched
            async with db.write():
                raise RuntimeError("the rule's own")
        return errors

    for error in on_database(database_url, go):
        assert not isinstance(error, DomainError)


def test_an_overloaded_database_is_unavailable(database_url, api_key):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (a role allowed no connection: SQLSTATE 53300)")
    role = f"scolarite_full_{uuid.uuid4().hex[:8]}"

    async def admin(db: Database, sql: str) -> None:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(sql)

    async def go(db: Database) -> list[DomainError]:
        errors = []
        with pytest.raises(UnavailableError) as caught:
            async with db.reads():
                pass
        errors.append(caught.value)
        with pytest.raises(UnavailableError) as caught:
            async with db.write():
                pass
        errors.append(caught.value)
        return errors

    on_database(database_url, lambda db: admin(db, f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0'))
    try:
        url = sa.engine.make_url(database_url).set(username=role, password=None)
        errors = on_database(url.render_as_string(hide_password=False), go, pool_size=2)
    finally:
        on_database(database_url, lambda db: admin(db, f'DROP ROLE IF EXISTS "{role}"'))
    for error in errors:
        assert type(error) is UnavailableError
        assert error.message == "the database cannot take more work right now; retry shortly"
        assert error.retry_after == 1
