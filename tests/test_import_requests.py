"""What an import costs the service, counted request by request against the real server: a new dossier is its nine
documented creations and nothing else (the learners are looked up many rows per request, the referentials and the
parcours once per run); a re-run writes nothing.  And the journal: an intent is on disk before its call is sent,
what follows it rides with the next intent."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from collections import Counter

import pytest
from conftest import PASSWORD, USER
from rich.console import Console
from test_import_cli import DOSSIER_HEADER, dossier_row, write_csv

from scolarite.client import Journal
from scolarite.client.aio import AsyncGraphV1Client
from scolarite.client.importer import ImportOptions, run_import


@pytest.fixture
def counted(monkeypatch):
    """``method set`` → requests sent, for every request the async client sends."""
    calls: Counter = Counter()
    exchange = AsyncGraphV1Client._exchange

    async def counting(self, req):
        calls[f"{req.method} {re.sub(r'/[0-9]+', '/{id}', req.path.split('?')[0].split('/GraphV1/')[-1])}"] += 1
        return await exchange(self, req)

    monkeypatch.setattr(AsyncGraphV1Client, "_exchange", counting)
    return calls


def _import(server, path, **options):
    opts = ImportOptions(url=server.root, user=USER, password=PASSWORD, **options)
    return asyncio.run(run_import("dossiers", path, opts, console=Console(quiet=True)))


def test_a_new_dossier_is_nine_creations(server, tmp_path, counted):
    domain = f"req-{uuid.uuid4().hex[:8]}.fr"
    rows = [dossier_row(i, domain) for i in range(40)]
    rows.append(dict(rows[0], programme="BACH", voie_entree="24-27 voie d'entrée bachelor"))  # the same learner
    path = write_csv(tmp_path / "d.csv", DOSSIER_HEADER, rows)
    outcome = _import(server, path, concurrency=8)
    assert outcome.counts == {"created": 41}
    posts = {k: v for k, v in counted.items() if k.startswith("POST")}
    assert posts == {
        "POST Mail": 80,
        "POST Apprenant": 40,
        "POST Inscription": 41,
        "POST InscriptionPeriode": 123,
        "POST Apprenant/{id}/Client": 40,
        "POST ClientPourAffaire": 41,
    }
    gets = {k: v for k, v in counted.items() if k.startswith("GET")}
    assert gets.pop("GET Parcours/{id}") == 3  # once per parcours of the file
    assert gets.pop("GET Apprenant") <= 2 + 2  # 39 rows' learners in batches, the shared e-mail's two rows alone
    assert sum(gets.values()) <= 7 + 5  # the referentials, and the second row of the shared e-mail's look-ups
    assert all(len(r.ids["periods"]) == 3 and r.ids["client_affaire"] for r in outcome.results)
    shared = [r for r in outcome.results if r.number in (2, 42)]
    assert shared[0].ids["learner"] == shared[1].ids["learner"] and shared[0].ids["client"] == shared[1].ids["client"]

    counted.clear()
    again = _import(server, path, concurrency=8)
    assert again.counts == {"already done": 41} and not any(k.startswith("POST") for k in counted)


def test_an_intent_is_on_disk_before_the_call_and_the_rest_follows(tmp_path):
    path = tmp_path / "j.sqlite"

    def on_disk(sql: str) -> list:
        with sqlite3.connect(path) as other:  # what a run killed now would leave
            return other.execute(sql).fetchall()

    journal = Journal(path)
    journal.intend("k1", "email")
    assert on_disk("SELECT step, state FROM steps") == [("email", "pending")]
    journal.record("k1", "email", 12)
    journal.finish("k1", "dossier", 2, "created", {"email": 12}, None)
    assert on_disk("SELECT step, state FROM steps") == [("email", "pending")]  # not yet: a re-run would look it up
    assert journal.steps("k1") == {"email": 12} and journal.row("k1")["status"] == "created"
    journal.intend("k2", "email")
    assert sorted(on_disk("SELECT row_key, state FROM steps")) == [("k1", "done"), ("k2", "pending")]
    journal.record("k2", "email", 13)
    journal.close()
    assert sorted(on_disk("SELECT row_key, value FROM steps")) == [("k1", "12"), ("k2", "13")]
    with Journal(path) as reopened:
        assert reopened.steps("k2") == {"email": 13} and reopened.steps("unknown") == {}
