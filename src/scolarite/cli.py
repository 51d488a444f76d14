"""The ``scolarite`` command: run the server, manage credentials, load data, import files.

Every failure an operator can cause (a database URL that names nothing, a database
that cannot be reached, an existing login) is one line on stderr and a non-zero
exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.table import Table

from .cli_common import command_group, console, fail
from .cli_import import import_app
from .errors import UnavailableError

if TYPE_CHECKING:
    from scolarite.config import Settings
    from scolarite.store.db import Database
    from scolarite.store.migrate import Upgrade

T = TypeVar("T")

app = command_group("Scolarite: a GraphV1-compatible OData API for schools.", add_completion=False)
credentials_app = command_group("Manage API credentials (HTTP Basic logins and X-ApiKey keys).")
app.add_typer(credentials_app, name="credentials", short_help="Manage API credentials (logins and API keys).")
app.add_typer(import_app, name="import", short_help="Import dossiers or conventions from a file.")

APPLICATION = "scolarite.api.app:create_app"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

DatabaseOption = typer.Option(
    None,
    "--database-url",
    envvar="SCOLARITE_DATABASE_URL",
    metavar="URL",
    show_default=False,
    help="The database: a path to an SQLite file (./ecole.db) or postgresql+asyncpg://user@host/database. "
    "Default: ./scolarite.db, embedded SQLite.",
)


def _command() -> str:
    """How the user ran us (``.venv/bin/scolarite``), for the commands we suggest."""
    ran = sys.argv[0] if sys.argv else ""
    return ran if Path(ran).name == "scolarite" else "scolarite"


def _interactive() -> bool:
    """Whether someone is at the terminal to answer a question."""
    return sys.stdin.isatty()


def _database(url: str | None) -> Database:
    from scolarite.model import schema
    from scolarite.store.db import Database

    return Database(schema, url)


def _on_database(url: str, action: Callable[[Database], Awaitable[T]], upgrade: bool = False) -> T:
    """``action`` on the database at ``url``, migrated first with ``upgrade`` (a write may be its first use); a
    database that cannot be opened is one line of error (:func:`_run`)."""
    from scolarite.store import migrate as mig

    async def run() -> T:
        db = _database(url)
        try:
            if upgrade:
                await mig.upgrade(db)
            return await action(db)
        finally:
            await db.dispose()

    return _run(run(), url)


def _resolve(url: str | None) -> str:
    from scolarite.store.db import DatabaseURLError, database_url

    try:
        return database_url(url)
    except DatabaseURLError as exc:
        fail(str(exc))


def _run(coro: Coroutine[Any, Any, T], url: str) -> T:
    """Run ``coro`` on the database at ``url``; a database that cannot be opened is one line of error."""
    import sqlalchemy as sa

    try:
        return asyncio.run(coro)
    except (OSError, sa.exc.DBAPIError, UnavailableError) as exc:
        reason = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
        text = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
        fail(f"cannot use the database {_safe(url)}: {text}")
    except Exception as exc:  # the driver's own errors (asyncpg's) do not all derive from the above
        if type(exc).__module__.split(".")[0] not in ("asyncpg", "aiosqlite", "sqlite3"):
            raise
        fail(f"cannot use the database {_safe(url)}: {str(exc).strip() or type(exc).__name__}")


async def _prepare(url: str, demo: bool) -> tuple[Upgrade, dict[str, int], int]:
    """Migrate; with ``demo``, load the demo referentials and the demo/demo login.  Returns what the
    migration did, the rows loaded and the number of live credentials."""
    from scolarite.model import schema
    from scolarite.store import migrate, referentials
    from scolarite.store.credentials import Credentials

    db = _database(url)
    try:
        upgrade = await migrate.upgrade(db)
        counts: dict[str, int] = {}
        creds = Credentials(db)
        if demo:
            counts = await referentials.load(db, schema, referentials.demo_file())
            if await creds.check_basic("demo", "demo") is None:
                await creds.replace_basic("demo", "demo")
        return upgrade, counts, await creds.count()
    finally:
        await db.dispose()


def _settings() -> Settings:
    """The settings every worker will read (a setting that is not valid is one line of error)."""
    from scolarite.api.proxies import Peers
    from scolarite.config import Settings

    try:
        settings = Settings.from_env()
        Peers(settings.forwarded_allow_ips, settings.allowed_hosts)
    except ValueError as exc:
        fail(str(exc))
    return settings


def _check_application() -> None:
    """Import the application as every worker will, before any starts.  A worker that
    cannot import it dies at once, and uvicorn would start another in its place, for
    ever: the server stops here instead, with the reason."""
    from uvicorn.importer import ImportFromStringError, import_from_string

    try:
        import_from_string(APPLICATION)
    except ModuleNotFoundError as exc:
        fail(f"the server cannot start: {exc} (a dependency is missing: reinstall scolarite with pip)", code=1)
    except (ImportError, ImportFromStringError) as exc:
        fail(f"the server cannot start: {exc}", code=1)


HostOption = typer.Option(
    "127.0.0.1",
    "--host",
    envvar="SCOLARITE_HOST",
    metavar="HOST",
    help="Interface to listen on (0.0.0.0: every interface).",
)
PortOption = typer.Option(
    8000, "--port", envvar="SCOLARITE_PORT", metavar="PORT", min=1, max=65535, help="Port to listen on."
)
WorkersOption = typer.Option(
    None,
    "--workers",
    envvar="SCOLARITE_WORKERS",
    metavar="N",
    min=1,
    show_default=False,
    help="Worker processes. Default: one per CPU core.",
)
DemoOption = typer.Option(
    False, "--demo", help="Load the demo reference data and the demo / demo login (to try the API)."
)
PublicUrlOption = typer.Option(
    None,
    "--public-url",
    envvar="SCOLARITE_PUBLIC_URL",
    metavar="URL",
    show_default=False,
    help="The service root as clients reach it, behind a reverse proxy "
    "(https://api.ecole.fr/GraphV1/). Default: from "
    "X-Forwarded-Proto and X-Forwarded-Host, else the request.",
)
MaxPageSizeOption = typer.Option(
    1000,
    "--max-page-size",
    envvar="SCOLARITE_MAX_PAGE_SIZE",
    metavar="N",
    min=1,
    help="Largest page of a collection; more rows get a next link.",
)
LogLevelOption = typer.Option(
    "info", "--log-level", envvar="SCOLARITE_LOG_LEVEL", metavar="LEVEL", help="One of " + ", ".join(LOG_LEVELS) + "."
)
ForwardedAllowIpsOption = typer.Option(
    None,
    "--forwarded-allow-ips",
    envvar="SCOLARITE_FORWARDED_ALLOW_IPS",
    metavar="ADDRESSES",
    show_default=False,
    help="Reverse proxies whose X-Forwarded-* headers are believed: addresses or networks, "
    "comma-separated, or *. Default: 127.0.0.1,::1.",
)
AllowedHostsOption = typer.Option(
    None,
    "--allowed-hosts",
    envvar="SCOLARITE_ALLOWED_HOSTS",
    metavar="HOSTS",
    show_default=False,
    help="Host headers links may be built from, comma-separated, or *. Default: the loopback names; for any "
    "other Host, links use the server's own address (or --public-url).",
)


@app.command(short_help="Start the GraphV1 API.")
def serve(
    host: str = HostOption,
    port: int = PortOption,
    workers: int | None = WorkersOption,
    database_url: str | None = DatabaseOption,
    demo: bool = DemoOption,
    public_url: str | None = PublicUrlOption,
    max_page_size: int = MaxPageSizeOption,
    log_level: str = LogLevelOption,
    forwarded_allow_ips: str | None = ForwardedAllowIpsOption,
    allowed_hosts: str | None = AllowedHostsOption,
) -> None:
    """Start the GraphV1 API (migrating the database first)."""
    import uvicorn

    if log_level.lower() not in LOG_LEVELS:
        fail(f"--log-level {log_level!r} is not a level: use one of {', '.join(LOG_LEVELS)}")
    url = _resolve(database_url)
    os.environ["SCOLARITE_DATABASE_URL"] = url
    os.environ["SCOLARITE_MAX_PAGE_SIZE"] = str(max_page_size)
    if public_url:
        os.environ["SCOLARITE_PUBLIC_URL"] = public_url
    if forwarded_allow_ips is not None:
        os.environ["SCOLARITE_FORWARDED_ALLOW_IPS"] = forwarded_allow_ips
    if allowed_hosts is not None:
        os.environ["SCOLARITE_ALLOWED_HOSTS"] = allowed_hosts
    settings = _settings()
    _check_application()
    upgrade, counts, live = _run(_prepare(url, demo), url)
    workers = workers or os.cpu_count() or 1
    _banner(host, port, url, workers, upgrade, counts if demo else None, live)
    from scolarite.api.http import GuardedHttpToolsProtocol

    uvicorn.run(
        APPLICATION,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level.lower(),
        http=GuardedHttpToolsProtocol,
        timeout_keep_alive=int(max(1, settings.keep_alive_timeout)),
        limit_concurrency=settings.max_connections or None,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        proxy_headers=False,
    )  # X-Forwarded-* are read by the application, from trusted peers only


def _banner(
    host: str, port: int, url: str, workers: int, upgrade: Upgrade, demo: dict[str, int] | None, live: int
) -> None:
    """What a newcomer needs on the first start: where the API is, how to sign in, one request to try."""
    from scolarite import __version__

    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    root = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/GraphV1/"
    if upgrade.applied:
        migrated = f"migrated: {', '.join(r.id for r in upgrade.applied)} applied"
    else:
        migrated = f"schema up to date ({upgrade.current})"
    console.print(f"Scolarite {__version__}, the GraphV1 API")
    console.print(f"  Service root  {root}")
    console.print(f"  Metadata      {root}$metadata")
    console.print(f"  Database      {_safe(url)} ({migrated})")
    console.print(f"  Workers       {workers} process{'es' if workers > 1 else ''}")
    if demo is not None:
        console.print(f"  Demo data     {sum(demo.values())} reference rows")
        console.print("  Credential    login demo, password demo (HTTP Basic)")
        console.print(f"  Try           curl -u demo:demo {root}Civilite")
    elif live:
        console.print(f"  Credentials   {live} live: see {_command()} credentials list")
        console.print(f"  Try           curl -u LOGIN:PASSWORD {root}Civilite")
    else:
        console.print(
            f"  Credentials   none yet: every request gets 401. Add a login with {_command()} credentials add LOGIN",
            style="yellow",
        )


def _safe(url: str) -> str:
    from scolarite.store.db import _redacted

    return _redacted(url)


@app.command(short_help="Create or upgrade the database schema.")
def migrate(database_url: str | None = DatabaseOption) -> None:
    """Create or upgrade the database schema (serve does it too, at start-up)."""
    url = _resolve(database_url)
    upgrade, _, _ = _run(_prepare(url, demo=False), url)
    if upgrade.applied:
        console.print(
            f"Database {_safe(url)}: applied {len(upgrade.applied)} migration{'s' if len(upgrade.applied) > 1 else ''}:"
        )
        for revision in upgrade.applied:
            console.print(f"  {revision}")
        console.print(f"Now at revision {upgrade.current}.")
    else:
        console.print(f"Database {_safe(url)} is up to date (revision {upgrade.current}): nothing to apply.")


@app.command("load-referentials", short_help="Load reference data from a YAML file.")
def load_referentials(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        metavar="FILE",
        help="A YAML file: entity set -> rows, like src/scolarite/demo/referentials.yaml.",
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Load reference data (civilités, programmes, périodes…) into the database."""
    from scolarite.model import schema
    from scolarite.store import referentials

    url = _resolve(database_url)
    try:
        counts = _on_database(url, lambda db: referentials.load(db, schema, file), upgrade=True)
    except referentials.ReferentialError as exc:
        fail(str(exc))
    console.print(f"Loaded {sum(counts.values())} rows into {len(counts)} entity sets.")


LoginArgument = typer.Argument(None, metavar="LOGIN", show_default=False, help="The HTTP Basic login to add.")
NewPasswordOption = typer.Option(
    None,
    "--password",
    envvar="SCOLARITE_NEW_PASSWORD",
    metavar="PASSWORD",
    show_default=False,
    help="The login's password. Default: asked (twice), not echoed.",
)
ReplaceOption = typer.Option(
    False, "--replace", help="The login exists: give it this new password (the old one stops working)."
)
KeyLabelOption = typer.Option(
    None,
    "--api-key",
    metavar="LABEL",
    show_default=False,
    help="Create an X-ApiKey key with this label instead of a login.",
)


@credentials_app.command("add", short_help="Add a login, or an API key.")
def credentials_add(
    login: str | None = LoginArgument,
    password: str | None = NewPasswordOption,
    replace: bool = ReplaceOption,
    api_key: str | None = KeyLabelOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Add a Basic login, or an API key (printed once: it is stored hashed)."""
    from scolarite.store.credentials import Credentials, LoginExists

    if bool(api_key) == bool(login):
        fail("Give a LOGIN, or --api-key LABEL (not both).")
    url = _resolve(database_url)
    if api_key:
        cid, key = _on_database(url, lambda db: Credentials(db).add_key(api_key), upgrade=True)
        console.print(f"API key {cid} ({api_key}): {key}", markup=False)
        console.print("Send it as the X-ApiKey header. It is shown only now.")
        return
    assert login is not None
    exists = f"The login {login!r} already exists"
    if not replace and _on_database(url, lambda db: Credentials(db).has_login(login), upgrade=True):
        if not _interactive():
            fail(
                f"{exists}: give --replace to change its password (the old one stops working), "
                "or choose another login.",
                code=1,
            )
        if not typer.confirm(f"{exists}. Replace its password? The old one stops working.", default=False):
            fail("Nothing changed.", code=1)
        replace = True
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        if replace:
            cid, revoked = _on_database(url, lambda db: Credentials(db).replace_basic(login, password), upgrade=True)
        else:
            cid, revoked = _on_database(url, lambda db: Credentials(db).add_basic(login, password), upgrade=True), 0
    except LoginExists:
        fail(f"{exists}: give --replace to change its password.", code=1)
    except ValueError as exc:
        fail(str(exc))
    if revoked:
        console.print(f"Login {login!r}: new password (credential {cid}); the old one no longer works.", markup=False)
    else:
        console.print(f"Login {login!r} added (credential {cid}).", markup=False)


@credentials_app.command("list", short_help="List credentials (never their secrets).")
def credentials_list(database_url: str | None = DatabaseOption) -> None:
    """List credentials (never their secrets)."""
    from scolarite.store.credentials import Credentials

    url = _resolve(database_url)
    table = Table("id", "kind", "login / label", "created", "revoked")
    for row in _on_database(url, lambda db: Credentials(db).list()):
        table.add_row(
            str(row["id"]),
            row["kind"],
            row["name"],
            str(row["created_at"])[:19],
            str(row["revoked_at"])[:19] if row["revoked_at"] else "",
        )
    console.print(table)


@credentials_app.command("revoke", short_help="Revoke a credential.")
def credentials_revoke(
    ident: str = typer.Argument(..., metavar="ID|LOGIN|LABEL", help="Credential id, login or key label."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Revoke a credential: every request using it gets 401 from now on."""
    from scolarite.store.credentials import Credentials

    url = _resolve(database_url)
    n = _on_database(url, lambda db: Credentials(db).revoke(ident))
    if not n:
        fail(f"No live credential matches {ident!r}.", code=1)
    console.print(f"Revoked {n} credential(s).")


if __name__ == "__main__":
    app()
