"""The SQL the server itself sends for each scenario, captured for the ceiling.

The application is built in-process (``scolarite.api.app.build``, the same code that
``scolarite serve`` runs) on the benchmark database, with a SQLAlchemy
``before_cursor_execute`` listener; one request per scenario goes through it (after
one untimed request, so that caches are warm, as in a running server) and every
statement reaching the driver (on any SQLAlchemy engine of the process) is recorded
with its parameters, in the driver's own form (``$1`` for asyncpg, ``?`` for sqlite3).  The credential lookup and the
transaction control statements are set aside: the ceiling replays the data
statements of the scenario (``bench/ceiling.py``).

Parameters that carry the request's input (the learner id, the address, the skip…)
are replaced at replay time by the rotating sample values: each captured statement
lists, per parameter, either a fixed value or the name of the input it comes from.
Parameters derived from the first statement's results (e.g. the séquence ids of an
``$expand``) stay as captured: the replay does the same amount of work on the
captured rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import httpx
import sqlalchemy as sa

from scolarite.store import raw

AUTH_MARK = "scolarite_credential"
CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
# The sample values used for the capture request are chosen to be recognisable among
# the other parameters: a skip no literal would equal, a unique address.
CAPTURE_SKIP = 4321


def scenario_requests(samples: dict) -> dict[str, dict]:
    """One request per scenario, with the inputs that vary from request to request."""
    learner = samples["learner_ids"][len(samples["learner_ids"]) // 2]
    address = samples["mail_addresses"][len(samples["mail_addresses"]) // 3]
    parcours = samples["parcours_ids"][len(samples["parcours_ids"]) // 2]
    with_s = samples["learner_ids_with_s"][len(samples["learner_ids_with_s"]) // 2]
    skip = min(CAPTURE_SKIP, max(samples["learners_count"] - 100, 0))
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S%f")
    new_address = f"capture.{stamp}@charge.example.fr"
    return {
        "S1": {"method": "GET", "path": f"Apprenant/{learner}", "inputs": {"learner": learner}},
        "S2": {
            "method": "GET",
            "path": "Apprenant",
            "params": {"$filter": f"Mail/Adresse eq '{address}'"},
            "inputs": {"address": address},
        },
        "S3": {
            "method": "GET",
            "path": f"Parcours/{parcours}",
            "params": {"$expand": "ParcoursPeriodes"},
            "inputs": {"parcours": parcours},
        },
        "S4": {
            "method": "GET",
            "path": "InscriptionSequence",
            "params": {
                "$filter": f"ApprenantId eq {with_s} and startswith(Sequence/TypeSequence/Code,'S')",
                "$expand": "Sequence",
            },
            "inputs": {"learner_s": with_s},
        },
        "S5": {
            "method": "GET",
            "path": "Apprenant",
            "params": {"$top": "100", "$skip": str(skip), "$orderby": "Nom"},
            "inputs": {"skip": skip},
        },
        "S6": {
            "method": "POST",
            "path": "Mail",
            "json": {"Adresse": new_address, "IsDuplicate": False},
            "inputs": {"new_address": new_address},
        },
    }


async def capture(url: str, samples: dict, scenarios: list[str]) -> dict[str, dict]:
    from scolarite.api.app import build
    from scolarite.config import Settings

    app = build(Settings(database_url=url))
    db = app.state.db
    recorded: list[tuple[str, Any, bool]] = []
    active = {"on": False}

    def _record(conn, cursor, statement, parameters, context, executemany):
        if active["on"]:
            recorded.append((statement, parameters, executemany))

    def _record_raw(statement, parameters):
        if active["on"]:
            recorded.append((statement, parameters, False))

    # On every engine of the process (the server may use more than one), and on the
    # reads the server sends straight to the driver.
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _record)
    raw.listeners.append(_record_raw)

    out: dict[str, dict] = {}
    requests = scenario_requests(samples)
    auth = (samples["login"], samples["password"])
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench/GraphV1/", auth=auth) as client:
            for name in scenarios:
                spec = requests.get(name)
                if spec is None:
                    continue
                kwargs = {k: spec[k] for k in ("params", "json") if k in spec}
                if spec["method"] == "GET":  # one untimed request first: caches warm, as in a running server
                    await client.request(spec["method"], spec["path"], **kwargs)
                recorded.clear()
                active["on"] = True
                resp = await client.request(spec["method"], spec["path"], **kwargs)
                active["on"] = False
                if resp.status_code >= 300:
                    raise RuntimeError(f"{name}: the capture request answered {resp.status_code}: {resp.text[:300]}")
                inputs = dict(spec["inputs"])
                if name == "S6":
                    inputs["new_id"] = resp.json()["Id"]
                out[name] = _describe(name, recorded, inputs, resp)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", _record)
        raw.listeners.remove(_record_raw)
        await db.dispose()
        single = getattr(db, "_single_engine", None)
        if single is not None and hasattr(single, "dispose"):
            await single.dispose()
    return out


def _describe(name: str, recorded: list, inputs: dict, resp: httpx.Response) -> dict:
    by_value = {_key(v): k for k, v in inputs.items()}
    statements, auth, control = [], 0, 0
    for sql, params, executemany in recorded:
        if AUTH_MARK in sql:
            auth += 1
            continue
        if CONTROL.match(sql):
            control += 1
            continue
        if executemany:
            raise RuntimeError(f"{name}: unexpected executemany in a single request")
        plist = list(params) if isinstance(params, (list, tuple)) else params
        if isinstance(plist, dict):
            raise RuntimeError(f"{name}: named parameters are not supported by the replay ({sql[:80]})")
        text_inputs = []
        if "skip" in inputs and re.search(rf" OFFSET {inputs['skip']}\b", sql):
            # the server writes LIMIT/OFFSET into the text (see scolarite.odata.query)
            sql = re.sub(rf" OFFSET {inputs['skip']}\b", " OFFSET {skip}", sql)
            text_inputs.append("skip")
        args = []
        for value in plist:
            source = by_value.get(_key(value))
            args.append({"input": source} if source else {"value": value})
        statements.append(
            {"sql": sql, "args": args, "returning": " RETURNING " in sql.upper(), "text_inputs": text_inputs}
        )
    return {
        "statements": statements,
        "auth_statements": auth,
        "control_statements": control,
        "write": name == "S6",
        "status": resp.status_code,
        "inputs": inputs,
    }


def _key(value: Any):
    # bools are ints in Python: keep True/False from matching an id 1/0
    return (type(value).__name__, value) if isinstance(value, (int, str)) else ("other", repr(value))


def capture_sync(url: str, samples: dict, scenarios: list[str]) -> dict[str, dict]:
    return asyncio.run(capture(url, samples, scenarios))
