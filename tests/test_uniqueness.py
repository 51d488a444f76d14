"""What exists once exists once, under concurrency too (issue 12, item 4): 8 identical requests at the same
moment, 20 rounds for each uniqueness, leave exactly one row; every answer is 2xx or a 4xx, never a 5xx.

The test server runs in one process with a pool of connections: on PostgreSQL the requests of a round truly
race (each in its own transaction); SQLite serialises writers.  Generated codes are the server's.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import httpx
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, USER, created, example, examples, odata_error
from test_workflow_convention import STG, make_dossier, s_sequences

from scolarite.model import schema
from scolarite.store.db import Database

ROUNDS, WAYS = 20, 8


def race(server, method: str, path: str, body=None, ways: int = WAYS) -> list[httpx.Response]:
    """``ways`` identical requests, released together."""
    barrier = threading.Barrier(ways)
    answers: list[httpx.Response] = []

    def one():
        with httpx.Client(base_url=server.root, auth=(USER, PASSWORD), timeout=60) as c:
            c.get("Civilite/1541")  # connection and credential check out of the race
            barrier.wait()
            answers.append(c.request(method, path, json=body))

    threads = [threading.Thread(target=one) for _ in range(ways)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in answers:
        assert r.status_code < 500, (r.status_code, r.text)
    return answers


def live_rows(url: str, set_name: str, **where) -> int:
    async def go():
        db = Database(schema, url)
        try:
            table = db.tables[set_name]
            stmt = (
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c._deleted == sa.false(), *[table.c[k] == v for k, v in where.items()])
            )
            async with db.engine.connect() as conn:
                return (await conn.execute(stmt)).scalar_one()
        finally:
            await db.dispose()

    return asyncio.run(go())


def _inscription(client) -> dict:
    tag = uuid.uuid4().hex[:6]
    mail = created(client.post("Mail", json={"Adresse": f"uniq.{tag}@ecole.fr"}))
    learner = created(
        client.post("Apprenant", json={"Nom": f"UNIQ{tag}", "Prenoms": "Ana", "CiviliteId": 1541, "MailId": mail["Id"]})
    )
    return created(
        client.post(
            "Inscription",
            json={
                "ApprenantId": learner["Id"],
                "ProgrammeId": 2215158,
                "RegimeInscriptionId": 544,
                "RecrutementId": 2215184,
                "EtatInscriptionId": 78736,
                "DateInscription": "2023-11-20T12:00:00Z",
            },
        )
    )


def test_one_inscription_periode_per_inscription_and_period(client, server):
    period = client.get("Parcours/2215168/ParcoursPeriodes").json()["value"][0]["PeriodeId"]
    for _ in range(ROUNDS):
        ins = _inscription(client)
        answers = race(server, "POST", "InscriptionPeriode", {"InscriptionId": ins["Id"], "PeriodeId": period})
        codes = sorted(r.status_code for r in answers)
        assert codes == [201] + [409] * (WAYS - 1), codes
        assert live_rows(server.database_url, "InscriptionPeriode", InscriptionId=ins["Id"], PeriodeId=period) == 1
        assert all(
            "already linked" in r.json()["error"]["message"] or "already" in r.json()["error"]["message"]
            for r in answers
            if r.status_code == 409
        )


def test_synchronisation_affaire_is_idempotent_under_concurrency(client, server):
    """R61, X14: concurrent SynchronisationAffaire calls leave one client per payer, each linked once."""
    for _ in range(ROUNDS):
        dossier = make_dossier(client)
        sequence = s_sequences(client, dossier)[0]["Sequence"]["Id"]
        conv = created(
            client.post(
                "Convention",
                json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": STG, "SequenceId": sequence},
            )
        )
        entreprise = created(client.post("Entreprise", json={"Nom": f"Ent {uuid.uuid4().hex[:6]}"}))
        assert client.patch(f"Convention/{conv['Id']}", json={"EntrepriseId": entreprise["Id"]}).status_code == 200
        created(
            client.post(
                "ConventionOrganismeFinanceur", json={"ConventionId": conv["Id"], "OrganismeFinanceurId": 2217200}
            )
        )
        answers = race(server, "POST", f"Convention/{conv['Id']}/SynchronisationAffaire")
        assert [r.status_code for r in answers] == [200] * WAYS
        clients = client.get("Client", params={"$filter": f"ReferenceId eq {conv['Id']}"}).json()["value"]
        assert len(clients) == 2, clients  # the entreprise and the financing body, once each
        for c in clients:
            assert live_rows(server.database_url, "ClientPourAffaire", ClientId=c["Id"]) == 1


def test_one_client_per_affaire_link(client, server):
    for _ in range(ROUNDS):
        ins = _inscription(client)
        payer = created(client.post("Client", json={**example("Client", 2)["request_body"], "Nom": "PAYEUR"}))
        answers = race(
            server,
            "POST",
            "ClientPourAffaire",
            {"AffaireId": ins["AffaireId"], "ClientId": payer["Id"], "Principal": True},
        )
        assert sorted(r.status_code for r in answers) == [201] + [409] * (WAYS - 1)
        assert (
            live_rows(server.database_url, "ClientPourAffaire", AffaireId=ins["AffaireId"], ClientId=payer["Id"]) == 1
        )


def test_one_financing_body_link_per_convention(client, server):
    dossier = make_dossier(client)
    sequence = s_sequences(client, dossier)[0]["Sequence"]["Id"]
    for _ in range(ROUNDS):
        conv = created(
            client.post(
                "Convention",
                json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": STG, "SequenceId": sequence},
            )
        )
        answers = race(
            server,
            "POST",
            "ConventionOrganismeFinanceur",
            {"ConventionId": conv["Id"], "OrganismeFinanceurId": 2217200},
        )
        assert sorted(r.status_code for r in answers) == [201] + [409] * (WAYS - 1)
        assert live_rows(server.database_url, "ConventionOrganismeFinanceur", ConventionId=conv["Id"]) == 1


def test_one_external_reference_per_object(client, server):
    for _ in range(ROUNDS):
        mail = created(client.post("Mail", json={"Adresse": f"ref.{uuid.uuid4().hex[:6]}@ecole.fr"}))
        answers = race(
            server,
            "POST",
            "ReferenceExterne",
            {"Reference": uuid.uuid4().hex, "Type": "myapp.T_MAIL", "IdObjet": mail["Id"]},
        )
        assert sorted(r.status_code for r in answers) == [201] + [400] * (WAYS - 1)  # R82: a 400
        assert live_rows(server.database_url, "ReferenceExterne", IdObjet=mail["Id"]) == 1


def test_one_user_per_login(client, server):
    body = example("User")["request_body"]
    for _ in range(ROUNDS):
        login = f"login.{uuid.uuid4().hex[:8]}@ecole.fr"
        answers = race(server, "POST", "User", {**body, "Login": login})
        assert sorted(r.status_code for r in answers) == [201] + [400] * (WAYS - 1)  # R80: a 400
        assert live_rows(server.database_url, "User", Login=login) == 1


def test_one_autre_lieu_de_formation_per_code(client, server):
    """R100: an AutreLieuFormation's Code is unique (409), under concurrency too."""
    body = next(e["request_body"] for e in examples("AutreLieuFormation") if e["request"].startswith("POST"))
    adresse = created(client.post("Adresse", json={"Adresse1": "1 rue", "Ville": "Boulogne"}))["Id"]
    for _ in range(ROUNDS):
        code = f"LF_{uuid.uuid4().hex[:8]}"
        answers = race(server, "POST", "AutreLieuFormation", {**body, "Code": code, "AdresseId": adresse})
        assert sorted(r.status_code for r in answers) == [201] + [409] * (WAYS - 1)
        assert live_rows(server.database_url, "AutreLieuFormation", Code=code) == 1


# -- generated codes -------------------------------------------------------------------------------------


def _learner(client) -> dict:
    mail = created(client.post("Mail", json={"Adresse": f"code.{uuid.uuid4().hex[:6]}@ecole.fr"}))
    return created(
        client.post("Apprenant", json={"Nom": "CODE", "Prenoms": "Léa", "CiviliteId": 1541, "MailId": mail["Id"]})
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH", "POST"])
def test_a_learner_code_is_the_servers(client, method):
    a, b = _learner(client), _learner(client)
    full = {k: v for k, v in b.items() if not k.startswith("@")}
    for wrong in (a["Code"], "not-a-code"):
        err = odata_error(client.request(method, f"Apprenant/{b['Id']}", json={**full, "Code": wrong}), 400)
        assert err["target"] == "Code" and b["Code"] in err["message"]
    # Sending back its own code, or none, is what the documented full update does (X9).
    assert client.request(method, f"Apprenant/{b['Id']}", json={**full, "Prenoms": "Léna"}).status_code == 200
    without = {k: v for k, v in full.items() if k != "Code"}
    assert client.request(method, f"Apprenant/{b['Id']}", json=without).status_code == 200
    assert client.get(f"Apprenant/{b['Id']}").json()["Code"] == b["Code"]
    found = client.get("Apprenant", params={"$filter": f"Code eq '{a['Code']}'"}).json()["value"]
    assert [x["Id"] for x in found] == [a["Id"]]


def test_a_code_cannot_be_chosen_at_creation(client):
    mail = created(client.post("Mail", json={"Adresse": f"code.{uuid.uuid4().hex[:6]}@ecole.fr"}))
    err = odata_error(
        client.post(
            "Apprenant", json={"Nom": "X", "Prenoms": "Y", "CiviliteId": 1541, "MailId": mail["Id"], "Code": "A99999"}
        ),
        400,
    )
    assert err["target"] == "Code"
    assert (
        client.post(
            "Apprenant", json={"Nom": "X", "Prenoms": "Y", "CiviliteId": 1541, "MailId": mail["Id"], "Code": ""}
        ).status_code
        == 201
    )


def test_a_convention_code_is_the_servers(client):
    """R50: the convention Code is assigned by the server; a full update may not give it another's."""
    dossier = make_dossier(client)
    sequence = s_sequences(client, dossier)[0]["Sequence"]["Id"]
    first, second = (
        created(
            client.post(
                "Convention",
                json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": STG, "SequenceId": sequence},
            )
        )
        for _ in range(2)
    )
    full = {k: v for k, v in second.items() if not k.startswith("@")}
    assert odata_error(client.post(f"Convention/{second['Id']}", json={**full, "Code": first["Code"]}), 400)
    assert client.post(f"Convention/{second['Id']}", json=full).status_code == 200


def test_the_migration_resolves_existing_duplicates(tmp_path):
    """A database that already holds duplicates (made before the indexes) upgrades: the oldest row keeps its
    place, a newer link is deleted, a newer code is suffixed with its row's Id."""
    from conftest import fresh_database

    from scolarite.store import migrate

    async def go(url):
        db = Database(schema, url)
        try:
            await migrate.upgrade(db, "0006")
            async with db.engine.begin() as conn:
                for ident in (901, 902, 903):
                    await conn.exec_driver_sql(
                        f'INSERT INTO "InscriptionPeriode" ("Id", "InscriptionId", "PeriodeId", "_deleted") '
                        f"VALUES ({ident}, 77, 88, false)"
                    )
                for ident in (911, 912):
                    await conn.exec_driver_sql(
                        f'INSERT INTO "Apprenant" ("Id", "Code", "_deleted") VALUES ({ident}, \'A00001\', false)'
                    )
            await migrate.upgrade(db)
            async with db.engine.connect() as conn:
                periods = (
                    await conn.exec_driver_sql('SELECT "Id", "_deleted" FROM "InscriptionPeriode" ORDER BY "Id"')
                ).all()
                codes = (await conn.exec_driver_sql('SELECT "Id", "Code" FROM "Apprenant" ORDER BY "Id"')).all()
            return [(i, bool(d)) for i, d in periods], [tuple(c) for c in codes]
        finally:
            await db.dispose()

    with fresh_database(tmp_path) as url:
        periods, codes = asyncio.run(go(url))
    assert periods == [(901, False), (902, True), (903, True)]
    assert codes == [(911, "A00001"), (912, "A00001-912")]
