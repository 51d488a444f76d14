"""A newcomer's first hour: the rough edges of the first run, each pinned by a test.

The server refuses a wrong password with words of its own, the CLI says what it did
and fails in one line, its help is complete, and a next link built from options
written without ``$`` can be followed.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from conftest import PASSWORD, USER, odata_error

from scolarite.model import schema
from scolarite.store.credentials import Credentials, LoginExists
from scolarite.store.db import Database

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SCOLARITE_")}
    base["COLUMNS"] = "80"
    return subprocess.run(
        [sys.executable, "-m", "scolarite.cli", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _with_credentials(url: str, action):
    async def go():
        db = Database(schema, url)
        try:
            return await action(Credentials(db))
        finally:
            await db.dispose()

    return asyncio.run(go())


# -- 401 messages --------------------------------------------------------------------------------


def test_a_wrong_password_is_told_apart_from_no_credentials(server):
    none = odata_error(httpx.get(server.root + "Civilite", timeout=10), 401)
    assert "authentication required" in none["message"]
    refused = [
        odata_error(httpx.get(server.root + "Civilite", auth=auth, timeout=10), 401)
        for auth in ((USER, PASSWORD + "x"), ("nobody-" + uuid.uuid4().hex[:6], PASSWORD))
    ]
    # The same words for a known login with a wrong password and for an unknown login: they reveal neither
    # which part is wrong nor whether the login exists.
    assert {e["message"] for e in refused} == {"the login or the password is wrong"}
    key = odata_error(httpx.get(server.root + "Civilite", headers={"X-ApiKey": "nope"}, timeout=10), 401)
    assert key["message"] == "the API key is not valid (unknown or revoked)"
    malformed = odata_error(
        httpx.get(server.root + "Civilite", headers={"Authorization": "Basic !!!"}, timeout=10), 401
    )
    assert "not HTTP Basic" in malformed["message"]


# -- credentials add on an existing login ---------------------------------------------------------


def test_credentials_add_refuses_an_existing_login_without_replace(server, tmp_path):
    url, login = server.database_url, f"twice-{uuid.uuid4().hex[:8]}"
    first = _cli("credentials", "add", login, "--password", "first-pw", "--database-url", url)
    assert first.returncode == 0, first.stderr
    again = _cli("credentials", "add", login, "--password", "second-pw", "--database-url", url)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--replace" in again.stderr
    ok = httpx.get(server.root + "Civilite", auth=(login, "first-pw"), timeout=10)
    assert ok.status_code == 200
    assert httpx.get(server.root + "Civilite", auth=(login, "second-pw"), timeout=10).status_code == 401

    replaced = _cli("credentials", "add", login, "--password", "third-pw", "--replace", "--database-url", url)
    assert replaced.returncode == 0, replaced.stderr
    assert "old one no longer works" in replaced.stdout
    time.sleep(server.app.state.credentials.cache_seconds + 0.1)
    assert httpx.get(server.root + "Civilite", auth=(login, "third-pw"), timeout=10).status_code == 200
    assert httpx.get(server.root + "Civilite", auth=(login, "first-pw"), timeout=10).status_code == 401
    rows = [r for r in _with_credentials(url, lambda c: c.list()) if r["name"] == login]
    assert [r["revoked_at"] is None for r in rows] == [False, True]


def test_credentials_add_asks_before_replacing(server, monkeypatch):
    from typer.testing import CliRunner

    from scolarite import cli

    url, login = server.database_url, f"asked-{uuid.uuid4().hex[:8]}"
    _with_credentials(url, lambda c: c.add_basic(login, "kept-pw"))
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    runner = CliRunner()
    declined = runner.invoke(cli.app, ["credentials", "add", login, "--database-url", url], input="n\n")
    assert declined.exit_code == 1 and "Replace its password?" in declined.output
    accepted = runner.invoke(cli.app, ["credentials", "add", login, "--database-url", url], input="y\nnew-pw\nnew-pw\n")
    assert accepted.exit_code == 0, accepted.output
    live = [r for r in _with_credentials(url, lambda c: c.list()) if r["name"] == login and not r["revoked_at"]]
    assert len(live) == 1


def test_one_live_password_per_login_under_concurrency(database_url, api_key):
    """The database decides: of eight concurrent additions of one login, one wins."""
    login = f"race-{uuid.uuid4().hex[:8]}"

    async def go():
        dbs = [Database(schema, database_url) for _ in range(8)]
        try:
            return await asyncio.gather(
                *(Credentials(db).add_basic(login, f"pw-{i}") for i, db in enumerate(dbs)), return_exceptions=True
            )
        finally:
            for db in dbs:
                await db.dispose()

    outcomes = asyncio.run(go())
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, LoginExists) for o in outcomes if not isinstance(o, int)), outcomes


# -- the database setting -------------------------------------------------------------------------


def test_a_path_is_an_sqlite_database_and_migrate_says_what_it_did(tmp_path):
    first = _cli("migrate", "--database-url", "./other.db", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "other.db").exists()
    assert "applied" in first.stdout and "0001 initial schema" in first.stdout
    assert re.search(r"Now at revision \d{4}\.", first.stdout)
    again = _cli("migrate", "--database-url", "./other.db", cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout and "nothing to apply" in again.stdout


@pytest.mark.parametrize(
    "url", ["postgresql+asyncpg://u:s3cret@db:notaport/x", "mysql://u@h/x", "://", "postgresql+asyncpg://u@h"]
)
def test_a_database_url_that_cannot_be_used_is_one_line(tmp_path, url):
    proc = _cli("migrate", "--database-url", url, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "s3cret" not in proc.stderr


def test_an_unreachable_database_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    proc = _cli("migrate", "--database-url", f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("cannot use the database") and len(proc.stderr.strip().splitlines()) == 1


# -- serve that cannot import the application ------------------------------------------------------


def test_serve_exits_with_the_error_when_a_dependency_is_missing(tmp_path):
    """A worker that cannot import the application must not be respawned for ever: serve exits non-zero and
    says why."""
    fake = tmp_path / "shadow" / "lxml"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'lxml'\", name='lxml')\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    proc = _cli(
        "serve",
        "--workers",
        "2",
        "--port",
        str(port),
        "--database-url",
        str(tmp_path / "x.db"),
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "shadow")},
        timeout=60,
    )
    assert proc.returncode != 0
    assert "No module named 'lxml'" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - started < 30


# -- help texts -----------------------------------------------------------------------------------

COMMANDS = [
    [],
    ["serve"],
    ["migrate"],
    ["load-referentials"],
    ["credentials"],
    ["credentials", "add"],
    ["credentials", "list"],
    ["credentials", "revoke"],
    ["import"],
    ["import", "dossiers"],
    ["import", "conventions"],
]


def _help(command: list[str]) -> str:
    proc = _cli(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "scolarite")
def test_help_is_complete(command):
    text = _help(command)
    assert not re.search(r"<(bool|str|int|text)[^>]*>", text.split("Options:", 1)[-1]), text
    assert "..." not in text.split("Commands:", 1)[-1] if "Commands:" in text else True, text
    options = text.split("Options:", 1)[1] if "Options:" in text else ""
    # Every option has a description: a line that names an option ends with words after it.
    lines = options.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  -"):
            same_line = re.match(r"\s+-[^ ]+(?:, -[^ ]+)?(?: [A-Z|]+)?\s{2,}\S", line)
            next_line = i + 1 < len(lines) and re.match(r"\s{6,}\S", lines[i + 1])
            assert same_line or next_line, line


def test_help_says_the_defaults_and_keeps_urls_whole():
    serve = _help(["serve"])
    assert "Default: one per CPU core" in serve
    assert "postgresql+asyncpg://user@host/database" in serve and "default: 1000" in serve
    dossiers = _help(["import", "dossiers"])
    assert "http://127.0.0.1:8000/GraphV1/" in dossiers
    assert "Default: FILE.report.csv (FILE.dry-run.report.csv with --dry-run)" in " ".join(dossiers.split())
    # The file help matches docs/import.md: tabs and Windows-1252.
    flat = " ".join(dossiers.split())
    assert "Windows-1252" in flat and "tabs" in flat
    guide = (ROOT / "docs" / "import.md").read_text()
    assert "Windows-1252" in guide and "tabs" in guide and "dry-run.report.csv" in guide


# -- the repository ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["scolarite.db", "scolarite.db-wal", "scolarite.db-shm", "x.db-journal"])
def test_gitignore_covers_the_sqlite_files(name):
    proc = subprocess.run(["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT)
    assert proc.returncode == 0, f"{name} is not ignored by .gitignore"


# -- next links of $-less options -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_pages(database_url, api_key):
    from conftest import Server

    srv = Server(database_url, max_page_size=5).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize(
    "query", ["top=7&orderby=Id", "TOP=7&$orderby=Id", "$top=7&orderby=Id&skip=0", "top=7&filter=Id gt 0&orderby=Id"]
)
def test_a_next_link_from_options_without_dollar_can_be_followed(small_pages, query):
    auth = (USER, PASSWORD)
    first = httpx.get(f"{small_pages.root}Pays?{query}", auth=auth, timeout=10)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["value"]) == 5
    link = body["@odata.nextLink"]
    assert link.count("top=") == 1 and "$top=2" in link, link
    rest = httpx.get(link, auth=auth, timeout=10)
    assert rest.status_code == 200, rest.text
    assert len(rest.json()["value"]) == 2 and "@odata.nextLink" not in rest.json()
    ids = [p["Id"] for p in body["value"] + rest.json()["value"]]
    assert ids == sorted(ids) and len(set(ids)) == 7
