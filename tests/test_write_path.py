"""The write path made lean (issue 6): what it saves must not change what it does."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid

import httpx
import pytest
from conftest import PASSWORD, USER, created, odata_error

from scolarite.model import schema
from scolarite.store import raw
from scolarite.store.credentials import Credentials
from scolarite.store.db import Database

PROGRAMME, RECRUTEMENT, REGIME, ETAT = 2215158, 2215184, 544, 78736
MINIMAL = {"Prefer": "return=minimal"}


def _learner(client, tag: str) -> dict:
    mail = created(client.post("Mail", json={"Adresse": f"write.{tag}@ecole.fr"}))
    return created(
        client.post("Apprenant", json={"Nom": f"W{tag}", "Prenoms": "P", "CiviliteId": 1541, "MailId": mail["Id"]})
    )


def test_return_minimal_create_stores_without_reading_back(client, server):
    tag = uuid.uuid4().hex[:8]
    with server.count_statements() as statements:
        r = client.post("Mail", json={"Adresse": f"minimal.{tag}@ecole.fr"}, headers=MINIMAL)
    assert r.status_code == 204 and r.content == b""
    location = r.headers["Location"]
    assert r.headers["OData-EntityId"] == location and location.startswith(server.root + "Mail(")
    key = int(location.rsplit("(", 1)[1].rstrip(")"))
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT") and '"Mail"' in s]
    stored = client.get(f"Mail/{key}").json()
    assert stored["Adresse"] == f"minimal.{tag}@ecole.fr" and stored["Id"] == key


def test_return_minimal_update_and_bound_create(client):
    tag = uuid.uuid4().hex[:8]
    learner = _learner(client, tag)
    r = client.patch(f"Apprenant/{learner['Id']}", json={"Prenoms": "Changed"}, headers=MINIMAL)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"Apprenant/{learner['Id']}").json()["Prenoms"] == "Changed"
    societe = client.get("SocieteFacturation").json()["value"][0]["Id"]
    nature = client.get("NatureClient").json()["value"][0]["Id"]
    r = client.post(
        f"Apprenant/{learner['Id']}/Client",
        headers=MINIMAL,
        json={"Nom": "PAYER", "Prenoms": "P", "EntiteJuridiqueId": societe, "NatureClientId": nature},
    )
    assert r.status_code == 204 and r.headers["Location"].startswith(client.base_url.join("Client(").__str__())
    key = int(r.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"))
    payer = client.get(f"Client/{key}").json()
    assert payer["Code"] == f"411-{learner['Code']}-"
    # Without the preference, the same action answers with the entity.
    r = client.post(
        f"Apprenant/{learner['Id']}/Client",
        json={"Nom": "PAYER2", "Prenoms": "P", "EntiteJuridiqueId": societe, "NatureClientId": nature},
    )
    assert r.status_code == 201 and r.json()["Nom"] == "PAYER2"


def test_every_dangling_reference_is_named_from_one_statement(client, server):
    tag = uuid.uuid4().hex[:8]
    learner = _learner(client, tag)
    body = {
        "ApprenantId": learner["Id"],
        "ProgrammeId": 999999991,
        "RegimeInscriptionId": 999999992,
        "RecrutementId": RECRUTEMENT,
        "EtatInscriptionId": 999999993,
        "DateInscription": "2023-11-20T12:00:00Z",
    }
    with server.count_statements() as statements:
        err = odata_error(client.post("Inscription", json=body), 400)
    targets = {d["target"] for d in err["details"]}
    assert targets == {"ProgrammeId", "RegimeInscriptionId", "EtatInscriptionId"}, err
    for name, value in (
        ("ProgrammeId", 999999991),
        ("RegimeInscriptionId", 999999992),
        ("EtatInscriptionId", 999999993),
    ):
        assert f"{name} {value} does not exist" in err["message"]
    checks = [s for s in statements if "UNION ALL" in s.upper()]
    assert len(checks) == 1  # one statement checked the five references
    # The same shape with good values passes the same check.
    good = dict(body, ProgrammeId=PROGRAMME, RegimeInscriptionId=REGIME, EtatInscriptionId=ETAT)
    created(client.post("Inscription", json=good))


def test_enrolments_are_registered_one_by_one(client):
    """Séquence enrolments are written in one batch; each still gets its own id in
    the Object registry, and a second period does not enrol twice."""
    tag = uuid.uuid4().hex[:8]
    learner = _learner(client, tag)
    inscription = created(
        client.post(
            "Inscription",
            json={
                "ApprenantId": learner["Id"],
                "ProgrammeId": PROGRAMME,
                "RegimeInscriptionId": REGIME,
                "RecrutementId": RECRUTEMENT,
                "EtatInscriptionId": ETAT,
                "DateInscription": "2023-11-20T12:00:00Z",
            },
        )
    )
    voie = client.get(f"Recrutement/{RECRUTEMENT}").json()
    parcours = client.get(f"Parcours/{voie['ParcoursId']}?$expand=ParcoursPeriodes").json()
    for p in parcours["ParcoursPeriodes"]:
        r = client.post(
            "InscriptionPeriode",
            headers=MINIMAL,
            json={
                "InscriptionId": inscription["Id"],
                "PeriodeId": p["PeriodeId"],
                "LibellePeriode": p["LibellePeriode"],
                "Debut": p["Debut"],
                "Fin": p["Fin"],
                "RegimeInscriptionId": REGIME,
                "EtatInscriptionId": ETAT,
            },
        )
        assert r.status_code == 204, r.text
    enrolled = client.get("InscriptionSequence", params={"$filter": f"ApprenantId eq {learner['Id']}"}).json()["value"]
    assert len(enrolled) >= 2
    ids = [e["Id"] for e in enrolled]
    assert len(set(ids)) == len(ids)
    assert len({e["SequenceId"] for e in enrolled}) == len(enrolled)  # no séquence twice
    for e in enrolled:
        assert e["ApprenantId"] == learner["Id"]
        assert e["Id"] not in (learner["Id"], inscription["Id"])
    registered = client.get("Object", params={"$filter": f"Id eq {ids[0]} or Id eq {ids[-1]}"})
    assert registered.status_code == 200, registered.text  # each enrolment has its own registry row
    assert {o["Id"] for o in registered.json()["value"]} == {ids[0], ids[-1]}


def test_concurrent_credential_checks_share_one_read(database_url, api_key):
    """When the remembered check has expired, the requests that arrive together
    wait for one read of the credential instead of each reading it."""

    async def go():
        db = Database(schema, database_url)
        creds = Credentials(db, cache_seconds=0)
        seen: list[str] = []

        def listen(sql, _params):
            if "scolarite_credential" in sql:
                seen.append(sql)

        raw.listeners.append(listen)
        try:
            await creds.check_basic(USER, PASSWORD)  # the slow hash, once
            seen.clear()
            results = await asyncio.gather(*[creds.check_basic(USER, PASSWORD) for _ in range(20)])
            wrong = await creds.check_basic(USER, "not the password")
        finally:
            raw.listeners.remove(listen)
            await db.dispose()
        return results, wrong, seen

    results, wrong, seen = asyncio.run(go())
    assert all(r is not None and r.name == USER for r in results)
    assert wrong is None
    assert 1 <= len(seen) <= 2  # one shared read for the 20 (and one for the wrong password)


def test_sqlite_write_waits_for_another_writer_without_stalling_reads(server, client):
    """SQLite writes run on the event loop; when another process holds the write
    lock, the write waits for it off the loop, and reads go on meanwhile."""
    if not server.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    path = server.database_url.split(":///", 1)[1]
    other = sqlite3.connect(path, timeout=30, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write, in progress
    tag = uuid.uuid4().hex[:8]
    answer: dict = {}

    def write():
        with httpx.Client(base_url=server.root, auth=(USER, PASSWORD), timeout=30) as c:
            answer["r"] = c.post("Mail", json={"Adresse": f"waits.{tag}@ecole.fr"})

    writer = threading.Thread(target=write)
    try:
        writer.start()
        time.sleep(0.3)
        assert "r" not in answer  # still waiting for the lock
        started = time.monotonic()
        r = client.get("Civilite")
        assert r.status_code == 200 and time.monotonic() - started < 2  # the loop is free
    finally:
        other.execute("COMMIT")
        other.close()
        writer.join(30)
    assert answer["r"].status_code == 201, answer["r"].text
    assert client.get("Mail", params={"$filter": f"Adresse eq 'waits.{tag}@ecole.fr'"}).json()["value"]


def test_writes_filling_the_pool_still_draw_codes(database_url, api_key):
    """Writes hold a connection of the pool while they draw a code number: more
    concurrent writes than connections must all finish (no write waits for a
    connection another write holds)."""

    async def go():
        db = Database(schema, database_url, pool_size=2)

        async def one(i: int) -> int:
            async with db.write() as conn:
                await asyncio.sleep(0.01)  # all of them inside a transaction at once
                return await db.next_counter(conn, "test.pool")

        try:
            return await asyncio.wait_for(asyncio.gather(*[one(i) for i in range(12)]), 60)
        finally:
            await db.dispose()

    numbers = asyncio.run(go())
    assert len(set(numbers)) == 12


def test_slow_sqlite_reads_wait_without_their_connection(database_url, monkeypatch):
    """Slow SQLite reads run a few at a time in threads; the others wait for their
    turn without holding a connection (each keeps a page cache: 64 deep pages in
    flight once took a worker past 450 MB), and cheap reads still run meanwhile."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    live = {"now": 0, "peak": 0}

    class Counted(sqlite3.Connection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            live["now"] += 1
            live["peak"] = max(live["peak"], live["now"])

        def close(self):
            live["now"] -= 1
            super().close()

    real_connect = sqlite3.connect
    monkeypatch.setattr(raw.sqlite3, "connect", lambda *a, **kw: real_connect(*a, factory=Counted, **kw))
    slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c"

    async def go():
        db = Database(schema, database_url)

        async def read(sql: str):
            async with db.reads() as ex:
                return (await ex.fetch(sql, ()))[0][0]

        try:
            results = await asyncio.gather(*[read(slow) for _ in range(40)], read("SELECT 41"))
        finally:
            await db.dispose()
        return results

    results = asyncio.run(go())
    assert results == [300000] * 40 + [41]
    reads = raw.SqliteReads
    assert live["peak"] <= 8 + reads.SLOW + 2, live  # not one connection per read in flight
