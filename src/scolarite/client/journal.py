"""The local journal of an import: a SQLite file recording each step of each input row.

Before a creation the workflow writes an *intent* (the step is ``pending``), after
it the id; at the end of the row its status.  A re-run reads them back: recorded
ids are verified on the server (GET) before being trusted, and a pending intent
tells the workflow that the object may exist although its id was never recorded
(the importer was killed between the server's answer and the journal's write), so
it looks for it before creating another one.

Rows are identified by a stable key (a hash of their identifying columns), not by
their line, so a file can be re-sorted or extended between runs.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    row_key TEXT NOT NULL,
    step TEXT NOT NULL,
    value TEXT,
    state TEXT NOT NULL,           -- 'pending' (about to create) or 'done'
    at TEXT NOT NULL,
    PRIMARY KEY (row_key, step)
);
CREATE TABLE IF NOT EXISTS rows (
    row_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    row_number INTEGER,
    status TEXT NOT NULL,          -- created, already done, failed
    ids TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL
);
"""

PENDING = object()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


_INTEND = (
    "INSERT INTO steps (row_key, step, value, state, at) VALUES (?, ?, NULL, 'pending', ?) "
    "ON CONFLICT (row_key, step) DO NOTHING"
)
_RECORD = (
    "INSERT INTO steps (row_key, step, value, state, at) VALUES (?, ?, ?, 'done', ?) "
    "ON CONFLICT (row_key, step) DO UPDATE SET value = excluded.value, state = 'done', at = excluded.at"
)
_FORGET = "DELETE FROM steps WHERE row_key = ? AND step = ?"
_FINISH = (
    "INSERT INTO rows (row_key, kind, row_number, status, ids, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (row_key) DO UPDATE SET kind = excluded.kind, row_number = excluded.row_number, "
    "status = excluded.status, ids = excluded.ids, reason = excluded.reason, at = excluded.at"
)

#: Deferred writes kept at most this many before they are written anyway.
_MAX_DEFERRED = 500


class Journal:
    """One SQLite file.  An intent is committed before its call is sent (a kill cannot lose it); what comes after
    (the id, a row's status) is committed with the next intent, or at the latest on :meth:`close`: losing it to
    a kill leaves the intent pending, which the next run handles by looking the object up.  So one transaction
    serves several steps."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._deferred: list[tuple[str, tuple[Any, ...]]] = []
        # The rows with steps: a row that has none (a new row) needs no read.
        self._keys = {k for (k,) in self._db.execute("SELECT DISTINCT row_key FROM steps")}

    def _write(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """The deferred statements, then ``statements``, in one transaction."""
        todo, self._deferred = [*self._deferred, *statements], []
        if not todo:
            return
        self._db.execute("BEGIN")
        try:
            for sql, args in todo:
                self._db.execute(sql, args)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _defer(self, sql: str, args: tuple[Any, ...]) -> None:
        self._deferred.append((sql, args))
        if len(self._deferred) >= _MAX_DEFERRED:
            self._write()

    def flush(self) -> None:
        """Commit what is deferred."""
        self._write()

    @staticmethod
    def beside(input_path: str | Path) -> Path:
        """The default journal of an input file: ``<input>.journal.sqlite``."""
        p = Path(input_path)
        return p.with_name(p.name + ".journal.sqlite")

    def close(self) -> None:
        try:
            self._write()
        finally:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- steps

    def steps(self, row_key: str) -> dict[str, Any]:
        """``step → value`` for a row; a pending step's value is :data:`PENDING`."""
        if row_key not in self._keys:
            return {}
        self._write()
        out: dict[str, Any] = {}
        for step, value, state in self._db.execute(
            "SELECT step, value, state FROM steps WHERE row_key = ?", (row_key,)
        ):
            out[step] = PENDING if state == "pending" else json.loads(value) if value is not None else None
        return out

    def intend(self, row_key: str, step: str) -> None:
        """About to create ``step`` (kept when already done): committed before returning."""
        self._keys.add(row_key)
        self._write((_INTEND, (row_key, step, _now())))

    def record(self, row_key: str, step: str, value: Any) -> None:
        self._keys.add(row_key)
        self._defer(_RECORD, (row_key, step, json.dumps(value), _now()))

    def forget(self, row_key: str, step: str) -> None:
        self._defer(_FORGET, (row_key, step))

    # ----------------------------------------------------------------- rows

    def finish(
        self, row_key: str, kind: str, row_number: int | None, status: str, ids: dict[str, Any], reason: str | None
    ) -> None:
        self._defer(_FINISH, (row_key, kind, row_number, status, json.dumps(ids), reason, _now()))

    def row(self, row_key: str) -> dict[str, Any] | None:
        self._write()
        cur = self._db.execute(
            "SELECT kind, row_number, status, ids, reason, at FROM rows WHERE row_key = ?", (row_key,)
        )
        found = cur.fetchone()
        if not found:
            return None
        kind, number, status, ids, reason, at = found
        return {
            "kind": kind,
            "row_number": number,
            "status": status,
            "ids": json.loads(ids),
            "reason": reason,
            "at": at,
        }

    def statuses(self) -> dict[str, int]:
        self._write()
        return dict(self._db.execute("SELECT status, count(*) FROM rows GROUP BY status").fetchall())


class RowJournal:
    """The journal seen by one row's workflow (a no-op without a journal)."""

    def __init__(self, journal: Journal | None, row_key: str):
        self.journal, self.key = journal, row_key
        self.previous: dict[str, Any] = journal.steps(row_key) if journal else {}

    def id(self, step: str) -> Any:
        """The recorded value of ``step`` (``None`` when absent or only intended)."""
        value = self.previous.get(step)
        return None if value is PENDING else value

    def pending(self, step: str) -> bool:
        return self.previous.get(step) is PENDING

    def intend(self, step: str) -> None:
        if self.journal:
            self.journal.intend(self.key, step)

    def record(self, step: str, value: Any) -> None:
        self.previous[step] = value
        if self.journal:
            self.journal.record(self.key, step, value)

    def forget(self, step: str) -> None:
        self.previous.pop(step, None)
        if self.journal:
            self.journal.forget(self.key, step)
