"""Test harness: a real server over real HTTP on a real database.

The database comes from ``SCOLARITE_TEST_DATABASE_URL``:

* unset or ``sqlite``: a fresh SQLite file in a temporary directory;
* a PostgreSQL URL (``postgresql+asyncpg://postgres@127.0.0.1/test``): a fresh
  database is created beside the one named (and dropped at the end), so runs
  never see each other's rows.

The server is uvicorn running the application in a background thread, started
once per session, migrated and loaded with the demo referentials.  Tests talk to
it with httpx like any integrator would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from scolarite.api.app import build
from scolarite.api.http import GuardedHttpToolsProtocol
from scolarite.config import Settings
from scolarite.model import schema
from scolarite.store import migrate, raw, referentials
from scolarite.store.credentials import Credentials
from scolarite.store.db import Database, make_engine

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"
USER, PASSWORD = "integrateur", "s3cret-Passw0rd"
PAGE_SIZE = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(coro):
    return asyncio.run(coro)


@contextlib.contextmanager
def fresh_database(tmp_dir: Path):
    """A database of its own, like the one ``SCOLARITE_TEST_DATABASE_URL`` names, dropped afterwards."""
    wanted = os.environ.get("SCOLARITE_TEST_DATABASE_URL", "sqlite")
    if wanted == "sqlite" or wanted.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:6]}.db'}"
        return
    base, _, _ = wanted.rpartition("/")
    name = f"scolarite_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str):
        engine = make_engine(wanted)
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(sql)
        await engine.dispose()

    _run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        _run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def api_key(database_url) -> str:
    return _prepare(database_url)


_prepared: dict[str, str] = {}


def _prepare(url: str) -> str:
    if url in _prepared:
        return _prepared[url]

    async def go():
        db = Database(schema, url)
        await migrate.upgrade(db)
        await referentials.load(db, schema, referentials.demo_file())
        creds = Credentials(db)
        await creds.add_basic(USER, PASSWORD)
        _, key = await creds.add_key("tests")
        await db.dispose()
        return key

    _prepared[url] = _run(go())
    return _prepared[url]


class Server:
    def __init__(self, url: str, **settings):
        self.database_url = url
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.root = f"{self.base}/GraphV1/"
        # The suite sends many wrong credentials on purpose, all from 127.0.0.1 and counted in the shared
        # table: the sign-in throttle is off unless a test asks for it (tests/test_auth_throttle.py does).
        settings.setdefault("auth_max_failures", 10**9)
        settings.setdefault("auth_max_failures_per_address", 10**9)
        self.app = build(Settings(database_url=url, **settings))
        self.db: Database = self.app.state.db
        # As `scolarite serve` runs it: the guarded protocol, X-Forwarded-* left to the application.
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            http=GuardedHttpToolsProtocol,
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.statements: list[str] = []
        self._counting = False

        @sa.event.listens_for(self.db.engine.sync_engine, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany):
            if self._counting:
                self.statements.append(statement)

        def _count_raw(statement, parameters):
            if self._counting:
                self.statements.append(statement)

        raw.listeners.append(_count_raw)  # reads that go straight to the driver

    def start(self) -> Server:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def count_statements(self):
        server = self

        class _Counter:
            def __enter__(self):
                server.statements.clear()
                server._counting = True
                return server.statements

            def __exit__(self, *exc):
                server._counting = False

        return _Counter()


@pytest.fixture(scope="session")
def server(database_url, api_key) -> Server:
    srv = Server(database_url, max_page_size=PAGE_SIZE).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def client(server) -> httpx.Client:
    with httpx.Client(base_url=server.root, auth=(USER, PASSWORD), timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def anon(server) -> httpx.Client:
    with httpx.Client(base_url=server.root, timeout=30) as c:
        yield c


def example(set_name: str, index: int = 0) -> dict:

    return json.loads((EXAMPLES / f"{set_name}.json").read_text())["examples"][index]


def examples(set_name: str) -> list[dict]:

    return json.loads((EXAMPLES / f"{set_name}.json").read_text())["examples"]


class _Snapshots:
    """One event loop and connection pool per database for ``snapshot`` (fast enough
    to take two per test case)."""

    def __init__(self):
        self.runner: asyncio.Runner | None = None
        self.dbs: dict[str, Database] = {}

    def take(self, url: str) -> str:
        if self.runner is None:
            self.runner = asyncio.Runner()
        if url not in self.dbs:
            self.dbs[url] = self.runner.run(self._open(url))
        return self.runner.run(self._digest(self.dbs[url]))

    async def _open(self, url: str) -> Database:
        return Database(schema, url)

    async def _digest(self, db: Database) -> str:
        h = hashlib.sha256()
        async with db.engine.connect() as conn:
            for name in sorted(db.metadata.tables):
                if name in ("scolarite_counter", "scolarite_auth_failure"):
                    # Code counters are drawn as from a sequence on PostgreSQL (outside
                    # the request's transaction, like the Object ids): a request that
                    # fails may skip a number, which is no row written.  Failed sign-ins
                    # are counted on purpose, whatever the request.
                    continue
                table = db.metadata.tables[name]
                pk = list(table.primary_key.columns) or list(table.columns)
                rows = (await conn.execute(sa.select(table).order_by(*pk))).all()
                h.update(name.encode())
                for row in rows:
                    h.update(repr(tuple(row)).encode())
        return h.hexdigest()

    def close(self) -> None:
        if self.runner is not None:
            for db in self.dbs.values():
                self.runner.run(db.dispose())
            self.runner.close()
            self.runner, self.dbs = None, {}


_snapshots = _Snapshots()


def snapshot(url: str) -> str:
    """A digest of every row of every table: equal digests mean nothing changed."""
    return _snapshots.take(url)


def pytest_sessionfinish(session, exitstatus):
    _snapshots.close()


def odata_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an OData error body with ``status`` and return its ``error`` member."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err.get("code"), str) and err["code"]
    assert isinstance(err.get("message"), str) and len(err["message"]) > 5
    return err


# -- comparing responses with the documented ones ------------------------------------------


def kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def standard_context(documented: str, collection: bool) -> str:
    """The documented context in its standard form (X19): collections never end in
    /$entity, and Programme's inlined Parametres are not an expansion."""
    fragment = documented.split("#", 1)[1]
    if collection:
        fragment = fragment.removesuffix("/$entity")
    return fragment.replace("Programme(Parametres())", "Programme")


def assert_like(actual: dict, documented: dict, collection: bool | None = None, exempt: set[str] = frozenset()):
    """Same properties, same order, same kinds of values, same @odata.context."""
    if "@odata.context" in documented:
        coll = "value" in documented if collection is None else collection
        assert actual["@odata.context"].split("#", 1)[1] == standard_context(documented["@odata.context"], coll)
    if documented.get("value"):
        assert actual["value"], "empty collection"
        for item in actual["value"]:
            assert_like(item, documented["value"][0], exempt=exempt)
        return
    keys = [k for k in documented if k != "@odata.context"]
    assert [k for k in actual if k != "@odata.context"] == keys
    for k in keys:
        if k in exempt or documented[k] is None or actual[k] is None:
            continue  # nullable values: null on one side is a legitimate difference of data
        assert kind(actual[k]) == kind(documented[k]), (k, actual[k], documented[k])


def doc(set_name: str, request: str) -> dict:
    """The documented response of ``request`` (exact, else the first that starts with it)."""
    found = [e for e in examples(set_name) if e["request"] == request] or [
        e for e in examples(set_name) if e["request"].startswith(request)
    ]
    return found[0]["response"]


# The suite's wrong credentials, all from 127.0.0.1, are counted in the shared table: servers started on the
# suite's database turn the sign-in throttle off (see Server; tests/test_auth_throttle.py tests it).
UNTHROTTLED = {"SCOLARITE_AUTH_MAX_FAILURES": str(10**9), "SCOLARITE_AUTH_MAX_FAILURES_PER_ADDRESS": str(10**9)}


def created(r: httpx.Response) -> dict:
    assert r.status_code == 201, r.text
    return r.json()


@contextlib.contextmanager
def server_processes(database_url: str, n: int = 2):
    """``n`` servers started as a user would (``scolarite serve``) on one database; yields their roots."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOLARITE_")}
    env["SCOLARITE_DB_POOL_SIZE"] = "4"  # several servers on one PostgreSQL: stay under max_connections
    env.update(UNTHROTTLED)
    procs, roots = [], []
    try:
        for _ in range(n):
            port = _free_port()
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "scolarite.cli",
                        "serve",
                        "--workers",
                        "1",
                        "--port",
                        str(port),
                        "--database-url",
                        database_url,
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            roots.append(f"http://127.0.0.1:{port}/GraphV1/")
        for root in roots:
            deadline = time.time() + 60
            while True:
                try:
                    httpx.get(root, auth=(USER, PASSWORD), timeout=2)
                    break
                except httpx.TransportError:
                    if time.time() > deadline:
                        raise RuntimeError(f"the server at {root} did not start") from None
                    time.sleep(0.2)
        yield roots
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(20)
