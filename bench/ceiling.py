"""The ceiling: the server's own statements, sent straight to the database.

    taskset -c 0 python bench/ceiling.py SPEC.pkl      (written by bench/run.py)

For each scenario the statements captured from the server (``bench/statements.py``)
are replayed with rotating sample inputs, for ``duration`` seconds after a short
warm-up, and the rate of complete scenarios (all statements of one request) is
reported with its p50/p99:

* PostgreSQL: asyncpg (prepared statements, as SQLAlchemy's asyncpg dialect uses),
  ``concurrency`` tasks each on its own connection, on uvloop when installed. Reads
  run as single statements (autocommit); the write (S6) runs in a transaction.
* SQLite: the standard ``sqlite3`` module in one loop (one connection, WAL,
  synchronous=NORMAL, the server's SQL functions), the write in ``BEGIN IMMEDIATE``.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path


def _inputs(samples: dict, rng: random.Random, tag: str):
    """Endless rotation of input values, by input name."""
    counters = {"n": 0}
    lists = {
        "learner": samples["learner_ids"],
        "address": samples["mail_addresses"],
        "parcours": samples["parcours_ids"],
        "learner_s": samples["learner_ids_with_s"],
    }
    pos = {k: rng.randrange(len(v)) for k, v in lists.items() if v}
    last = max(samples["learners_count"] - 100, 0)

    def value(name: str):
        if name in lists:
            pos[name] = (pos[name] + 1) % len(lists[name])
            return lists[name][pos[name]]
        if name == "skip":
            return rng.randint(0, last)
        if name == "new_address":
            counters["n"] += 1
            return f"ceiling.{tag}.{counters['n']}@charge.example.fr"
        raise KeyError(name)

    return value


def _sql(stmt: dict, value) -> str:
    """The statement's text; inputs the server writes into the text itself (the
    OFFSET of a page) take the rotating value."""
    sql = stmt["sql"]
    for name in stmt.get("text_inputs", ()):
        sql = sql.replace("{" + name + "}", str(value(name)))
    return sql


def _args(stmt: dict, value, returned: dict) -> list:
    out = []
    for a in stmt["args"]:
        if "value" in a:
            out.append(a["value"])
        elif a["input"] == "new_id":
            out.append(returned["new_id"])
        else:
            if a["input"] not in returned:
                returned[a["input"]] = value(a["input"])
            out.append(returned[a["input"]])
    return out


def _summary(latencies: list[float], elapsed: float, errors: int, first_error: str | None) -> dict:
    latencies.sort()
    n = len(latencies)

    def pct(p):
        return round(latencies[min(n - 1, int(p / 100 * n))] * 1000, 3) if n else None

    return {
        "ops": n,
        "seconds": round(elapsed, 2),
        "rate": round(n / elapsed, 1) if elapsed else 0,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3) if n else None,
        "errors": errors,
        "first_error": first_error,
    }


# -- PostgreSQL ---------------------------------------------------------------------------------------


async def _pg_scenario(
    url: str, spec: dict, samples: dict, duration: float, warmup: float, concurrency: int, tag: str
) -> dict:
    import asyncpg

    conns = [await asyncpg.connect(url) for _ in range(concurrency)]
    statements = spec["statements"]
    write = spec["write"]
    latencies: list[float] = []
    errors = {"n": 0, "first": None}
    state = {"measure": False, "stop": False}

    async def one(conn, value):
        returned: dict = {}
        if write:
            async with conn.transaction():
                for stmt in statements:
                    args = _args(stmt, value, returned)
                    if stmt["returning"]:
                        returned["new_id"] = await conn.fetchval(_sql(stmt, value), *args)
                    else:
                        await conn.fetch(_sql(stmt, value), *args)
        else:
            for stmt in statements:
                await conn.fetch(_sql(stmt, value), *_args(stmt, value, returned))

    async def worker(i, conn):
        value = _inputs(samples, random.Random(i), f"{tag}-{i}")
        while not state["stop"]:
            t = time.perf_counter()
            try:
                await one(conn, value)
            except Exception as exc:
                errors["n"] += 1
                errors["first"] = errors["first"] or repr(exc)[:300]
                await asyncio.sleep(0.001)
                continue
            if state["measure"]:
                latencies.append(time.perf_counter() - t)

    tasks = [asyncio.create_task(worker(i, c)) for i, c in enumerate(conns)]
    await asyncio.sleep(warmup)
    state["measure"] = True
    start = time.perf_counter()
    await asyncio.sleep(duration)
    state["measure"] = False
    elapsed = time.perf_counter() - start
    state["stop"] = True
    await asyncio.gather(*tasks)
    for c in conns:
        await c.close()
    return _summary(latencies, elapsed, errors["n"], errors["first"])


# -- SQLite -------------------------------------------------------------------------------------------


def _sqlite_scenario(path: str, spec: dict, samples: dict, duration: float, warmup: float, tag: str) -> dict:
    from scolarite.store.db import _sqlite_functions  # the server's own SQL functions (lower, upper…)

    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    _sqlite_functions(conn)
    statements = spec["statements"]
    write = spec["write"]
    value = _inputs(samples, random.Random(1), tag)
    latencies: list[float] = []
    errors, first = 0, None

    def one():
        returned: dict = {}
        if write:
            conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in statements:
                cur = conn.execute(_sql(stmt, value), _args(stmt, value, returned))
                rows = cur.fetchall()
                if stmt["returning"]:
                    returned["new_id"] = rows[0][0]
        except Exception:
            if write:
                conn.execute("ROLLBACK")
            raise
        if write:
            conn.execute("COMMIT")

    end_warmup = time.perf_counter() + warmup
    while time.perf_counter() < end_warmup:
        one()
    start = time.perf_counter()
    end = start + duration
    while True:
        t = time.perf_counter()
        if t >= end:
            break
        try:
            one()
        except Exception as exc:
            errors += 1
            first = first or repr(exc)[:300]
            continue
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    conn.close()
    return _summary(latencies, elapsed, errors, first)


def main(argv: list[str]) -> int:
    spec = pickle.loads(Path(argv[0]).read_bytes())
    results = {}
    empty = [name for name, captured in spec["captured"].items() if not captured["statements"]]
    for name in empty:
        results[name] = {"skipped": "no statement was captured for this scenario"}
        del spec["captured"][name]
    if spec["dialect"] == "postgresql":
        try:
            import uvloop

            uvloop.install()
            loop_name = "uvloop"
        except ImportError:
            loop_name = "asyncio"
        for name, captured in spec["captured"].items():
            results[name] = asyncio.run(
                _pg_scenario(
                    spec["dsn"],
                    captured,
                    spec["samples"],
                    spec["duration"],
                    spec["warmup"],
                    spec["concurrency"],
                    f"{spec['tag']}{name}",
                )
            )
            results[name]["client"] = f"asyncpg, {spec['concurrency']} connections, {loop_name}"
            print(f"  ceiling {name}: {results[name]['rate']:,.0f} /s", file=sys.stderr, flush=True)
    else:
        for name, captured in spec["captured"].items():
            results[name] = _sqlite_scenario(
                spec["path"], captured, spec["samples"], spec["duration"], spec["warmup"], f"{spec['tag']}{name}"
            )
            results[name]["client"] = f"sqlite3 {sqlite3.sqlite_version}, one connection, one loop"
            print(f"  ceiling {name}: {results[name]['rate']:,.0f} /s", file=sys.stderr, flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
