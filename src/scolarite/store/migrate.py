"""Apply the Alembic migrations (at start-up, and from ``scolarite migrate``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .db import Database

HERE = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Revision:
    """A migration, as ``scolarite migrate`` reports it."""

    id: str
    title: str  # the first line of its docstring

    def __str__(self) -> str:
        return f"{self.id} {self.title}"


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` did: the revisions it applied, oldest first, and where the database is now."""

    applied: list[Revision]
    current: str | None


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


async def upgrade(db: Database, revision: str = "head") -> Upgrade:
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)

    def run(sync_conn: sa.Connection) -> Upgrade:
        before = MigrationContext.configure(sync_conn).get_current_revision()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(sync_conn).get_current_revision()
        if after == before or after is None:
            return Upgrade([], after)
        steps = list(script.iterate_revisions(after, before or "base"))
        applied = [
            Revision(s.revision, (s.doc or "").strip().splitlines()[0] if s.doc else "")
            for s in steps
            if s.revision != before
        ]
        return Upgrade(applied[::-1], after)

    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            # Several processes may start at once: one migrates, the others wait.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74221)")
        return await conn.run_sync(run)
