"""The client against the real server over HTTP: helpers of the entity sets and the documented calls,
paging, typed errors, both authentications, sync and async alike."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from conftest import PASSWORD, USER, Server

from scolarite.client import (
    AsyncGraphV1Client,
    BadRequest,
    Conflict,
    GraphV1Client,
    NotFound,
    Query,
    Unauthorized,
    eq,
    startswith,
)


@pytest.fixture(scope="module")
def api(server):
    with GraphV1Client(server.root, user=USER, password=PASSWORD) as c:
        yield c


@pytest.fixture(scope="module")
def small_pages(database_url, api_key):
    srv = Server(database_url, max_page_size=5).start()
    yield srv
    srv.stop()


def test_follows_next_link_on_the_real_server(small_pages):
    with GraphV1Client(small_pages.root, user=USER, password=PASSWORD) as c:
        first = c.page("Pays", Query().orderby("Id"))
        assert len(first.value) == 5 and first.next_link
        every = c.all("Pays", Query().orderby("Id").select("Id", "Code"))
        assert len(every) == c.count("Pays") > 10
        assert [p["Id"] for p in every] == sorted(p["Id"] for p in every)
        assert [p["Id"] for p in c.iter_all("Pays", Query().orderby("Id"))] == [p["Id"] for p in every]
        assert len(c.all("Pays", limit=7)) == 7

    async def go():
        async with AsyncGraphV1Client(small_pages.root, user=USER, password=PASSWORD) as a:
            return [p["Id"] async for p in a.iter_all("Pays", Query().orderby("Id"))], await a.count("Pays")

    ids, n = asyncio.run(go())
    assert len(ids) == n


def test_entity_helpers(api):
    tag = uuid.uuid4().hex[:8]
    mail = api.create("Mail", {"Adresse": f"helpers.{tag}@ecole.fr"})
    learner = api["Apprenant"].create({"Nom": "HELPER", "Prenoms": "Anne", "CiviliteId": 1540, "MailId": mail["Id"]})
    assert api.get("Apprenant", learner["Id"])["Code"] == learner["Code"]
    assert api.first("Apprenant", Query().filter(eq("Code", learner["Code"])))["Id"] == learner["Id"]
    # update = GET + full replacement (R2): a change, the rest kept
    updated = api.update("Apprenant", learner["Id"], {"RefSysteme": "987654"})
    assert updated["RefSysteme"] == "987654" and updated["Nom"] == "HELPER" and updated["Code"] == learner["Code"]
    # patch merges
    assert api.patch("Apprenant", learner["Id"], {"NomUsage": "HELPER-X"})["RefSysteme"] == "987654"
    # documented calls
    client = api.create_client_for_learner(
        learner["Id"],
        {
            "Nom": "HELPER",
            "Prenoms": "Anne",
            "EntiteJuridiqueId": 2215501,
            "NatureClientId": 2214750,
            "MailId": api.create("Mail", {"Adresse": f"helpers.{tag}@ecole.fr", "IsDuplicate": True})["Id"],
        },
    )
    assert client["Code"] == f"411-{learner['Code']}-"
    assert [c["Id"] for c in api.clients_of(learner["Id"])] == [client["Id"]]
    assert [a["Id"] for a in api.learners_by_email(f"helpers.{tag}@ecole.fr")] == [learner["Id"]]
    assert len(api.mails_by_address(f"HELPERS.{tag}@ecole.fr")) == 2
    assert [p["PeriodeId"] for p in api.parcours_periods(2215168)] == [1326, 1327, 2215069]
    # delete, then it is gone
    api.delete("Client", client["Id"])
    assert api.get_or_none("Client", client["Id"]) is None


def test_documented_convention_calls(api):
    tag = uuid.uuid4().hex[:8]
    mail = api.create("Mail", {"Adresse": f"conv.{tag}@ecole.fr"})
    learner = api.create("Apprenant", {"Nom": "CONV", "Prenoms": "Eve", "CiviliteId": 1540, "MailId": mail["Id"]})
    ins = api.create(
        "Inscription",
        {
            "ApprenantId": learner["Id"],
            "ProgrammeId": 2215158,
            "RegimeInscriptionId": 544,
            "RecrutementId": 2215184,
            "EtatInscriptionId": 78736,
            "DateInscription": "2023-11-20T00:00:00+01:00",
        },
    )
    for p in api.parcours_periods(2215168):
        api.create("InscriptionPeriode", {"InscriptionId": ins["Id"], "PeriodeId": p["PeriodeId"]})
    assert len(api.inscription_periods(ins["Id"])) == 3
    sequences = api.eligible_sequences(ins["Id"])
    assert sequences and all(s["ProgrammeId"] == 2215158 for s in sequences)
    # the same as the query by learner, without a body
    by_learner = api.all(
        "InscriptionSequence",
        Query()
        .expand("Sequence")
        .select("Sequence")
        .filter(eq("ApprenantId", learner["Id"]), startswith("Sequence/TypeSequence/Code", "S")),
    )
    assert sorted(s["Id"] for s in sequences) == sorted({r["Sequence"]["Id"] for r in by_learner})
    conv = api.create(
        "Convention", {"ApprenantId": learner["Id"], "TypeConventionId": 334222, "SequenceId": sequences[0]["Id"]}
    )
    ent = api.create("Entreprise", {"Nom": "Typed SA"})
    api.update("Convention", conv["Id"], {"EntrepriseId": ent["Id"]})  # POST /Convention/{Id} (documented)
    other = api.create(
        "Convention", {"ApprenantId": learner["Id"], "TypeConventionId": 334222, "SequenceId": sequences[0]["Id"]}
    )
    with pytest.raises(Conflict) as exc:
        api.update("Convention", other["Id"], {"EntrepriseId": ent["Id"]})
    assert exc.value.status == 409 and "entreprise" in exc.value.message
    assert api.synchronise_affaire(conv["Id"]) is None
    assert any(c["EntrepriseId"] == ent["Id"] for c in api.clients_of(conv["Id"]))


def test_typed_errors_from_the_server(api, server, api_key):
    with pytest.raises(NotFound) as exc:
        api.get("Apprenant", 999999991)
    assert exc.value.status == 404 and exc.value.code
    with pytest.raises(BadRequest) as exc:
        api.create("Mail", {"Adresse": "pas une adresse"})
    assert exc.value.target == "Adresse" or "Adresse" in exc.value.message
    with pytest.raises(BadRequest) as exc:
        api.create("Apprenant", {"Prenoms": "X"})
    assert exc.value.details  # every problem of the body
    with GraphV1Client(server.root, user=USER, password="wrong") as bad, pytest.raises(Unauthorized):
        bad.all("Civilite")
    with GraphV1Client(server.root, api_key=api_key) as keyed:
        assert {c["Code"] for c in keyed.all("Civilite")} >= {"M", "MME"}


def test_async_client_on_the_real_server(server, api_key):
    async def go():
        async with AsyncGraphV1Client(server.root, api_key=api_key) as a:
            progs = await a.all("Programme", Query().select("Id", "Code"))
            civ = await a["Civilite"].get(1541)
            with pytest.raises(NotFound):
                await a.get("Programme", 1)
            return progs, civ

    progs, civ = asyncio.run(go())
    assert {p["Code"] for p in progs} >= {"PGE", "BACH"} and civ["Code"] == "M"


def _enrolled_learner(c: GraphV1Client, nom: str) -> tuple[dict, dict]:
    """A learner enrolled in PGE for its three periods (so in more séquences than a small page holds)."""
    mail = c.create("Mail", {"Adresse": f"{nom.lower()}.{uuid.uuid4().hex[:8]}@ecole.fr"})
    learner = c.create("Apprenant", {"Nom": nom, "Prenoms": "Paul", "CiviliteId": 1541, "MailId": mail["Id"]})
    ins = c.create(
        "Inscription",
        {
            "ApprenantId": learner["Id"],
            "ProgrammeId": 2215158,
            "RegimeInscriptionId": 544,
            "RecrutementId": 2215184,
            "EtatInscriptionId": 78736,
            "DateInscription": "2023-11-20T00:00:00+01:00",
        },
    )
    for p in (1326, 1327, 2215069):
        c.create("InscriptionPeriode", {"InscriptionId": ins["Id"], "PeriodeId": p})
    return learner, ins


def test_eligible_sequences_across_pages(small_pages):
    """The documented query scoped by its body, over several pages: the body goes with every page."""
    with GraphV1Client(small_pages.root, user=USER, password=PASSWORD) as c:
        learner, ins = _enrolled_learner(c, "PAGES")
        sequences = c.eligible_sequences(ins["Id"])
        by_learner = c.all(
            "InscriptionSequence",
            Query()
            .expand("Sequence")
            .select("Sequence")
            .filter(eq("ApprenantId", learner["Id"]), startswith("Sequence/TypeSequence/Code", "S")),
        )
        assert len(sequences) > 5  # more than a page
        assert sorted(s["Id"] for s in sequences) == sorted(r["Sequence"]["Id"] for r in by_learner)


def test_next_link_of_the_body_scoped_query_keeps_the_scope(small_pages):
    """Following @odata.nextLink with a plain GET (as OData says) stays within the
    inscription named in the first request's body."""
    auth = (USER, PASSWORD)
    with GraphV1Client(small_pages.root, user=USER, password=PASSWORD) as c:
        learner, ins = _enrolled_learner(c, "LINK")
    url = (
        f"{small_pages.root}InscriptionSequence?$expand=Sequence&$select=Sequence"
        "&$filter=startswith(Sequence/TypeSequence/Code, 'S')"
    )
    page = httpx.request("GET", url, json={"Id": ins["Id"]}, auth=auth).json()
    seen = [item["Sequence"]["Id"] for item in page["value"]]
    pages = 1
    while "@odata.nextLink" in page:
        assert "InscriptionId=" in page["@odata.nextLink"]
        page = httpx.get(page["@odata.nextLink"], auth=auth).json()
        seen += [item["Sequence"]["Id"] for item in page["value"]]
        pages += 1
    expected, page = (
        [],
        httpx.get(
            f"{small_pages.root}InscriptionSequence",
            auth=auth,
            params={"$expand": "Sequence($expand=TypeSequence)", "$filter": f"ApprenantId eq {learner['Id']}"},
        ).json(),
    )
    while True:
        expected += page["value"]
        if "@odata.nextLink" not in page:
            break
        page = httpx.get(page["@odata.nextLink"], auth=auth).json()
    assert pages > 1
    assert sorted(seen) == sorted(
        e["SequenceId"] for e in expected if e["Sequence"]["TypeSequence"]["Code"].startswith("S")
    )
