"""The ``scolarite`` command: run the server, manage credentials, load data."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Scolarite: a GraphV1-compatible OData API for schools.", no_args_is_help=True,
                  add_completion=False)
credentials_app = typer.Typer(help="Manage API credentials (HTTP Basic logins and X-ApiKey keys).",
                              no_args_is_help=True)
app.add_typer(credentials_app, name="credentials")
console = Console()

DatabaseOption = typer.Option(None, "--database-url", envvar="SCOLARITE_DATABASE_URL",
                              help="SQLAlchemy URL, e.g. postgresql+asyncpg://user@host/db "
                                   "(default: ./scolarite.db, embedded SQLite).")


def _database(url: str | None):
    from scolarite.model import schema
    from scolarite.store.db import Database

    return Database(schema, url)


async def _prepare(url: str | None, demo: bool) -> tuple[str, dict]:
    from scolarite.model import schema
    from scolarite.store import migrate, referentials
    from scolarite.store.credentials import Credentials

    db = _database(url)
    try:
        await migrate.upgrade(db)
        counts: dict = {}
        if demo:
            counts = await referentials.load(db, schema, referentials.demo_file())
            creds = Credentials(db)
            if await creds.check_basic("demo", "demo") is None:
                await creds.add_basic("demo", "demo")
        return db.url, counts
    finally:
        await db.dispose()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="SCOLARITE_HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, envvar="SCOLARITE_PORT", help="Port to listen on."),
    workers: Optional[int] = typer.Option(None, envvar="SCOLARITE_WORKERS", min=1,
                                          help="Worker processes [default: one per CPU core]."),
    database_url: Optional[str] = DatabaseOption,
    demo: bool = typer.Option(False, "--demo", help="Load the demo reference data and the demo/demo credential."),
    public_url: Optional[str] = typer.Option(None, envvar="SCOLARITE_PUBLIC_URL",
                                             help="Public service root, when behind a reverse proxy."),
    max_page_size: int = typer.Option(1000, envvar="SCOLARITE_MAX_PAGE_SIZE", help="Largest page of a collection."),
    log_level: str = typer.Option("info", envvar="SCOLARITE_LOG_LEVEL"),
):
    """Start the GraphV1 API (migrating the database first)."""
    import uvicorn

    from scolarite.store.db import database_url as resolve

    url = resolve(database_url)
    os.environ["SCOLARITE_DATABASE_URL"] = url
    os.environ["SCOLARITE_MAX_PAGE_SIZE"] = str(max_page_size)
    if public_url:
        os.environ["SCOLARITE_PUBLIC_URL"] = public_url
    url, counts = asyncio.run(_prepare(url, demo))
    workers = workers or os.cpu_count() or 1
    shown = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    console.print(f"[bold]Scolarite[/bold] GraphV1 API on [cyan]http://{shown}:{port}/GraphV1/[/cyan]")
    console.print(f"Database: {_safe(url)}, {workers} worker process{'es' if workers > 1 else ''}")
    if demo:
        console.print(f"Demo data: {sum(counts.values())} reference rows. Credential: [bold]demo[/bold] / "
                      "[bold]demo[/bold]  (e.g. curl -u demo:demo "
                      f"http://{shown}:{port}/GraphV1/Civilite)")
    uvicorn.run("scolarite.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level)


def _safe(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}" if ":" in creds else url
    return url


@app.command()
def migrate(database_url: Optional[str] = DatabaseOption):
    """Create or upgrade the database schema."""
    url, _ = asyncio.run(_prepare(database_url, demo=False))
    console.print(f"Database {_safe(url)} is up to date.")


@app.command("load-referentials")
def load_referentials(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="YAML file."),
                      database_url: Optional[str] = DatabaseOption):
    """Load reference data (entity set -> rows) into the database."""
    from scolarite.model import schema
    from scolarite.store import referentials

    async def run():
        db = _database(database_url)
        try:
            from scolarite.store import migrate as mig

            await mig.upgrade(db)
            return await referentials.load(db, schema, file)
        finally:
            await db.dispose()

    try:
        counts = asyncio.run(run())
    except referentials.ReferentialError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Loaded {sum(counts.values())} rows into {len(counts)} entity sets.")


@credentials_app.command("add")
def credentials_add(
    login: Optional[str] = typer.Argument(None, help="Login for HTTP Basic."),
    password: Optional[str] = typer.Option(None, "--password", envvar="SCOLARITE_NEW_PASSWORD",
                                           help="Password (prompted when omitted)."),
    api_key: Optional[str] = typer.Option(None, "--api-key", metavar="LABEL",
                                          help="Create an X-ApiKey key with this label instead."),
    database_url: Optional[str] = DatabaseOption,
):
    """Add a Basic login, or an API key (printed once: it is stored hashed)."""
    from scolarite.store.credentials import Credentials

    if not api_key and not login:
        console.print("[red]Give a LOGIN, or --api-key LABEL.[/red]")
        raise typer.Exit(2)
    if not api_key and password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def run():
        from scolarite.store import migrate as mig

        db = _database(database_url)
        try:
            await mig.upgrade(db)
            creds = Credentials(db)
            if api_key:
                return await creds.add_key(api_key)
            return await creds.add_basic(login, password), None
        finally:
            await db.dispose()

    try:
        cid, key = asyncio.run(run())
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if key:
        console.print(f"API key {cid} ({api_key}): [bold]{key}[/bold]")
        console.print("Send it as the X-ApiKey header. It is shown only now.")
    else:
        console.print(f"Login {login!r} added (id {cid}).")


@credentials_app.command("list")
def credentials_list(database_url: Optional[str] = DatabaseOption):
    """List credentials (never their secrets)."""
    from scolarite.store.credentials import Credentials

    async def run():
        db = _database(database_url)
        try:
            return await Credentials(db).list()
        finally:
            await db.dispose()

    table = Table("id", "kind", "login / label", "created", "revoked")
    for row in asyncio.run(run()):
        table.add_row(str(row["id"]), row["kind"], row["name"], str(row["created_at"])[:19],
                      str(row["revoked_at"])[:19] if row["revoked_at"] else "")
    console.print(table)


@credentials_app.command("revoke")
def credentials_revoke(ident: str = typer.Argument(..., help="Credential id, login or key label."),
                       database_url: Optional[str] = DatabaseOption):
    """Revoke a credential: every request using it gets 401 from now on."""
    from scolarite.store.credentials import Credentials

    async def run():
        db = _database(database_url)
        try:
            return await Credentials(db).revoke(ident)
        finally:
            await db.dispose()

    n = asyncio.run(run())
    if not n:
        console.print(f"[yellow]No live credential matches {ident!r}.[/yellow]")
        raise typer.Exit(1)
    console.print(f"Revoked {n} credential(s).")


# ------------------------------------------------------------------------------------------ import

import_app = typer.Typer(help="Import dossiers or conventions from a .csv or .xlsx file, through the GraphV1 API "
                              "of any server (see docs/import.md).", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _run_import(kind: str, file: Path, url: Optional[str], user: Optional[str], password: Optional[str],
                api_key: Optional[str], concurrency: int, dry_run: bool, journal: Optional[Path],
                report: Optional[Path]) -> None:
    from scolarite.client.importer import EXIT_FATAL, ImportOptions, run_import, summary

    if not url:
        console.print("[red]Give the service URL: --url or SCOLARITE_URL (e.g. http://127.0.0.1:8000/GraphV1/).[/red]")
        raise typer.Exit(EXIT_FATAL)
    if not api_key and not user:
        console.print("[red]Give credentials: --user/--password or --api-key (or SCOLARITE_USER, "
                      "SCOLARITE_PASSWORD, SCOLARITE_API_KEY).[/red]")
        raise typer.Exit(EXIT_FATAL)
    if user and password is None and not api_key:
        password = typer.prompt("Password", hide_input=True)
    options = ImportOptions(url=url, user=user, password=password, api_key=api_key, concurrency=concurrency,
                            dry_run=dry_run, journal=journal, report=report)
    outcome = asyncio.run(run_import(kind, file, options))
    if outcome.fatal:
        console.print(f"[red]{outcome.fatal}[/red]")
    for table in summary(outcome, dry_run):
        console.print(table)
    if outcome.results:
        console.print(f"Report: {outcome.report}")
    if outcome.journal:
        console.print(f"Journal: {outcome.journal}")
    raise typer.Exit(outcome.exit_code)


def _import_command(kind: str, summary_text: str):
    def command(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv (UTF-8, ',' or ';') or .xlsx file."),
        url: Optional[str] = typer.Option(None, "--url", envvar="SCOLARITE_URL",
                                          help="Service root, e.g. http://127.0.0.1:8000/GraphV1/"),
        user: Optional[str] = typer.Option(None, "--user", envvar="SCOLARITE_USER", help="HTTP Basic login."),
        password: Optional[str] = typer.Option(None, "--password", envvar="SCOLARITE_PASSWORD",
                                               help="HTTP Basic password (prompted when omitted)."),
        api_key: Optional[str] = typer.Option(None, "--api-key", envvar="SCOLARITE_API_KEY",
                                              help="Send this X-ApiKey instead of a login."),
        concurrency: int = typer.Option(8, "--concurrency", "-j", min=1, max=64, help="Rows imported at once."),
        dry_run: bool = typer.Option(False, "--dry-run",
                                     help="Check every row and resolve every reference with GETs only; write nothing."),
        journal: Optional[Path] = typer.Option(None, "--journal", dir_okay=False,
                                               help="Journal file (default: <FILE>.journal.sqlite)."),
        report: Optional[Path] = typer.Option(None, "--report", dir_okay=False,
                                              help="Report file (default: <FILE>.report.csv)."),
    ):
        _run_import(kind, file, url, user, password, api_key, concurrency, dry_run, journal, report)

    command.__doc__ = summary_text
    return command


import_app.command("dossiers")(_import_command(
    "dossiers", "Create the dossier d'inscription of each row (e-mail, learner, inscription, periods, client)."))
import_app.command("conventions")(_import_command(
    "conventions", "Create the convention of each row (convention, entreprise, organisme financeur)."))


if __name__ == "__main__":
    app()
