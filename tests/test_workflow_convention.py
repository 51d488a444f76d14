"""Use case B of workflows.md — create a convention — replayed over HTTP from a dossier
created through use case A, each response checked against the documented one."""

from __future__ import annotations

import re
import threading
import uuid

import httpx
import pytest
from conftest import PASSWORD, USER, assert_like, created, doc, odata_error, server_processes, snapshot

PROGRAMME, RECRUTEMENT, REGIME, ETAT = 2215158, 2215184, 544, 78736
STG, PRO, APP = 334222, 334223, 334224
FIRST_ETAT = 334217  # 'En cours de saisie', SAISIE, Ordre 10
SEQ_QUERY = "InscriptionSequence?$expand=Sequence&$select=Sequence&$filter=startswith(Sequence/TypeSequence/Code, 'S')"


def make_dossier(client) -> dict:
    """Use case A, shortened: e-mail, learner, inscription, every period."""
    tag = uuid.uuid4().hex[:6]
    mail = created(client.post("Mail", json={"Adresse": f"conv.{tag}@ecole.fr"}))
    learner = created(
        client.post(
            "Apprenant",
            json={"Nom": f"FERNANDEZ{tag}", "Prenoms": "Emmanuel", "CiviliteId": 1541, "MailId": mail["Id"]},
        )
    )
    ins = created(
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
    for p in client.get("Parcours/2215168/ParcoursPeriodes").json()["value"]:
        created(
            client.post(
                "InscriptionPeriode",
                json={"InscriptionId": ins["Id"], "PeriodeId": p["PeriodeId"], "AnneeScolaire": p["AnneeScolaire"]},
            )
        )
    return {"learner": learner, "inscription": ins, "mail": mail}


@pytest.fixture
def dossier(client) -> dict:
    return make_dossier(client)


def s_sequences(client, dossier) -> list[dict]:
    r = client.request("GET", SEQ_QUERY, json={"Id": dossier["inscription"]["Id"]})
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_eligible_sequences_of_an_inscription(client, dossier):
    """R52, X3: the GET with body returns exactly the learner's type-S séquences of that inscription; the
    documented alternative, $filter=ApprenantId eq …, gives the same list."""
    learner, ins = dossier["learner"], dossier["inscription"]
    r = client.request("GET", SEQ_QUERY, json={"Id": ins["Id"]})
    body = r.json()
    documented = doc("InscriptionSequence", "GET /InscriptionSequence?$expand=Sequence")
    assert_like(body, documented)
    assert body["@odata.context"].endswith("$metadata#InscriptionSequence(Sequence,Sequence())")
    got = sorted(item["Sequence"]["Id"] for item in body["value"])
    # What it must be: every séquence of the programme of type S the learner is enrolled in.
    enrolled = client.get(
        "InscriptionSequence",
        params={"$filter": f"ApprenantId eq {learner['Id']}", "$expand": "Sequence($expand=TypeSequence)"},
    ).json()["value"]
    expected = sorted(
        e["Sequence"]["Id"]
        for e in enrolled
        if e["Sequence"]["TypeSequence"]["Code"].startswith("S") and e["Sequence"]["ProgrammeId"] == PROGRAMME
    )
    assert got == expected and len(got) >= 2
    assert all(item["Sequence"]["ProgrammeId"] == PROGRAMME for item in body["value"])
    # The curl of the docs actually sends a POST: same answer.
    post = client.post(SEQ_QUERY, json={"Id": ins["Id"]})
    assert post.status_code == 200 and post.json() == body
    # Without a body: an ordinary collection, and the documented alternative filter.
    alt = client.get(
        "InscriptionSequence",
        params={
            "$expand": "Sequence",
            "$select": "Sequence",
            "$filter": f"ApprenantId eq {learner['Id']} and startswith(Sequence/TypeSequence/Code, 'S')",
        },
    ).json()
    assert sorted(i["Sequence"]["Id"] for i in alt["value"]) == got
    # Another learner's inscription gives another list; an unknown one an empty list.
    assert client.request("GET", SEQ_QUERY, json={"Id": 999999999}).json()["value"] == []
    odata_error(client.request("GET", SEQ_QUERY, json={"Id": "abc"}), 400)


def test_use_case_b_as_documented(client, dossier):
    """Use case B, call by call; the rules each step checks are named where it checks them."""
    learner, ins = dossier["learner"], dossier["inscription"]
    # B1: the learner is found back
    assert client.get(f"Apprenant?$filter=Code eq '{learner['Code']}'").json()["value"][0]["Id"] == learner["Id"]
    # B2
    types = client.get("TypeConvention").json()
    assert_like(types, doc("TypeConvention", "GET"))
    assert {t["Code"] for t in types["value"]} >= {"STG", "PRO", "APP", "STA"}
    # B3: the learner's inscriptions (R29)
    assert [i["Id"] for i in client.get(f"Inscription?$filter=ApprenantId eq {learner['Id']}").json()["value"]] == [
        ins["Id"]
    ]
    # B4
    sequence_id = s_sequences(client, dossier)[0]["Sequence"]["Id"]
    # B5
    conv = created(
        client.post(
            "Convention", json={"ApprenantId": learner["Id"], "TypeConventionId": STG, "SequenceId": sequence_id}
        )
    )
    # X20: the documented creation response lacks DateConclusion, which the GET shows;
    # all 108 properties are served, in the GET's order.
    assert_like(conv, doc("Convention", "GET /Convention/1234567"))
    documented = doc("Convention", "POST /Convention")
    assert len(conv) == 109  # context + the 108 properties (X20)
    assert re.fullmatch(r"CS\d{8}", conv["Code"])  # R50
    assert conv["EtatConventionId"] == FIRST_ETAT  # R53, X7: lowest Ordre, then lowest Id
    assert conv["Devise"] == "Euro" and conv["NatureContratId"] == 0  # R50
    for k, v in documented.items():  # documented defaults of a new convention
        if k not in ("@odata.context", "Id", "Code", "ApprenantId", "TypeConventionId", "SequenceId"):
            assert conv[k] == v, (k, conv[k], v)
    # B6
    etats = client.get("EtatConvention").json()
    assert_like(etats, doc("EtatConvention", "GET"))
    # B7 (R68): an entreprise with its contact records, and one from an empty body
    adresse = created(client.post("Adresse", json={"Adresse1": "1 rue de l'Usine", "Ville": "Lyon"}))
    mail = created(client.post("Mail", json={"Adresse": f"contact.{uuid.uuid4().hex[:6]}@entreprise1.fr"}))
    tel = created(client.post("Telephone", json={"Numero": "0472000000"}))
    entreprise = created(
        client.post(
            "Entreprise",
            json={"Nom": "Entreprise 1", "AdresseId": adresse["Id"], "MailId": mail["Id"], "TelephoneId": tel["Id"]},
        )
    )
    assert_like(entreprise, doc("Entreprise", "GET /Entreprise/2410939"))
    assert entreprise["Nom"] == "Entreprise 1"  # X15
    empty = created(client.post("Entreprise", content=b"{}"))
    assert empty["Nom"] == "" and empty["AdresseId"] == 0
    # B8: one Professionnel per role
    pros = [
        created(
            client.post(
                "Professionnel",
                json={"CiviliteId": 1541, "Nom": n, "Prenoms": "Antoine", "NomUsage": n, "PrenomUsage": "Antoine"},
            )
        )
        for n in ("LATERAL", "MAITRE", "SIGNATAIRE", "REFERENT")
    ]
    assert_like(pros[0], doc("Professionnel", "POST"))
    enseignant = client.get("Enseignant").json()["value"][0]["Id"]  # B9: the teacher, from GET /Enseignant (R76)
    # B10 (R57, R59, R60, R76): GET, change, POST the whole convention back with the company, the
    # Professionnel of each role, the teacher and the pay data
    full = client.get(f"Convention/{conv['Id']}").json()
    full.pop("@odata.context")
    full.pop("Id")
    full.update(
        EntrepriseId=entreprise["Id"],
        MaitreId=pros[1]["Id"],
        SignataireId=pros[2]["Id"],
        ReferentId=pros[3]["Id"],
        EnseignantId=enseignant,
        Remuneration=1234.56,
        CaisseRetraite="AG2R",
        AvantageNourriture=4.5,
        AvantageLogement=100.0,
        AvantageAutre="Tickets",
        DateDebut="2024-01-08T00:00:00+01:00",
        DateFin="2024-06-28T00:00:00+02:00",
    )
    updated = client.post(f"Convention/{conv['Id']}", json=full)
    assert updated.status_code == 200, updated.text
    assert_like(updated.json(), doc("Convention", "GET /Convention/1234567"))
    assert updated.json()["EntrepriseId"] == entreprise["Id"] and updated.json()["Remuneration"] == 1234.56
    assert updated.json()["Code"] == conv["Code"]
    stored = client.get(f"Convention/{conv['Id']}").json()
    roles = {k: stored[k] for k in ("MaitreId", "SignataireId", "ReferentId", "EnseignantId")}
    assert roles == {  # R57, R76
        "MaitreId": pros[1]["Id"],
        "SignataireId": pros[2]["Id"],
        "ReferentId": pros[3]["Id"],
        "EnseignantId": enseignant,
    }
    pay = {k: stored[k] for k in ("Remuneration", "CaisseRetraite", "AvantageNourriture", "AvantageLogement")}
    assert pay == {
        "Remuneration": 1234.56,
        "CaisseRetraite": "AG2R",
        "AvantageNourriture": 4.5,
        "AvantageLogement": 100.0,
    }
    assert stored["AvantageAutre"] == "Tickets"  # R60
    # The same by PUT, with a field left out: it is reset (R2).
    full.pop("CaisseRetraite")
    put = client.put(f"Convention/{conv['Id']}", json=full)
    assert put.status_code == 200 and put.json()["CaisseRetraite"] == "" and put.json()["MaitreId"] == pros[1]["Id"]
    # B11: financing body, from the set named OPCA (R67)
    opcas = client.get("OPCA").json()
    assert_like(opcas, doc("OPCA", "GET"))
    opca = next(o for o in opcas["value"] if o["Nom"] == "OPCO EP")
    link = created(
        client.post(
            "ConventionOrganismeFinanceur", json={"ConventionId": conv["Id"], "OrganismeFinanceurId": opca["Id"]}
        )
    )
    assert_like(link, doc("ConventionOrganismeFinanceur", "POST"))
    assert link["TypePriseCharge"] == "Entreprise" and link["Nom"] is None  # R66
    # B14–B15 (R61, X14): SynchronisationAffaire answers 200 without a body; the convention's billing
    # clients are then found by ReferenceId: several, of different natures (R43)
    sync = client.post(f"Convention/{conv['Id']}/SynchronisationAffaire")
    assert sync.status_code == 200 and sync.content == b""
    clients = client.get(f"Client?%24filter=ReferenceId+eq+{conv['Id']}").json()
    assert_like(clients, doc("Client", "GET /Client?%24filter"))
    natures = {n["Id"]: n["Code"] for n in client.get("NatureClient").json()["value"]}
    by_nature = {natures[c["NatureClientId"]]: c for c in clients["value"]}
    assert set(by_nature) == {"ENTR", "OPCO"}
    assert by_nature["ENTR"]["EntrepriseId"] == entreprise["Id"] and by_nature["ENTR"]["Nom"] == "Entreprise 1"
    assert by_nature["ENTR"]["Code"] == f"411-{learner['Code']}-"
    assert by_nature["OPCO"]["Nom"] == "OPCO EP"
    # The clients are attached to the learner's affaire.
    links = client.get("ClientPourAffaire", params={"$filter": f"AffaireId eq {ins['AffaireId']}"}).json()["value"]
    assert {c["ClientId"] for c in links} >= {c["Id"] for c in clients["value"]}


def test_synchronisation_twice_gives_the_same_clients(client, dossier):
    """R61, X14: one client per payer (the entreprise, each financing body), created idempotently."""
    conv = created(
        client.post(
            "Convention",
            json={
                "ApprenantId": dossier["learner"]["Id"],
                "TypeConventionId": PRO,
                "SequenceId": s_sequences(client, dossier)[0]["Sequence"]["Id"],
            },
        )
    )
    entreprise = created(client.post("Entreprise", json={"Nom": "Twice SA"}))
    assert client.patch(f"Convention/{conv['Id']}", json={"EntrepriseId": entreprise["Id"]}).status_code == 200
    for opca in (2214795, 2217200):
        created(
            client.post("ConventionOrganismeFinanceur", json={"ConventionId": conv["Id"], "OrganismeFinanceurId": opca})
        )
    assert client.post(f"Convention/{conv['Id']}/SynchronisationAffaire").status_code == 200
    once = client.get("Client", params={"$filter": f"ReferenceId eq {conv['Id']}", "$orderby": "Id"}).json()["value"]
    links_once = client.get("ClientPourAffaire/$count").text
    assert len(once) == 3
    assert client.post(f"Convention/{conv['Id']}/SynchronisationAffaire").status_code == 200
    twice = client.get("Client", params={"$filter": f"ReferenceId eq {conv['Id']}", "$orderby": "Id"}).json()["value"]
    assert twice == once and client.get("ClientPourAffaire/$count").text == links_once
    assert {c["Code"] for c in once} >= {"CATLAS", "COPCOEP"}


def test_apprenticeship_gets_the_first_contractual_mode(client, dossier):
    """R56, X5; and the first état (R53, X7) whatever the type."""
    conv = created(
        client.post(
            "Convention",
            json={
                "ApprenantId": dossier["learner"]["Id"],
                "TypeConventionId": APP,
                "SequenceId": s_sequences(client, dossier)[0]["Sequence"]["Id"],
            },
        )
    )
    assert conv["NatureContratId"] == 3000701  # the first of the configured modes (R56, X5)
    assert conv["EtatConventionId"] == FIRST_ETAT


BAD = [
    (lambda d, s: {"ApprenantId": 999999991, "TypeConventionId": STG, "SequenceId": s}, "ApprenantId", 400),
    (
        lambda d, s: {"ApprenantId": d["learner"]["Id"], "TypeConventionId": 999999992, "SequenceId": s},
        "TypeConventionId",
        400,
    ),
    (
        lambda d, s: {"ApprenantId": d["learner"]["Id"], "TypeConventionId": STG, "SequenceId": 999999993},
        "SequenceId",
        400,
    ),
    (lambda d, s: {"ApprenantId": d["learner"]["Id"], "TypeConventionId": STG}, "SequenceId", 400),
    # a séquence that exists but is not the learner's (a séquence of the other programme)
    (
        lambda d, s: {"ApprenantId": d["learner"]["Id"], "TypeConventionId": STG, "SequenceId": "OTHER"},
        "SequenceId",
        400,
    ),
    (
        lambda d, s: {
            "ApprenantId": d["learner"]["Id"],
            "TypeConventionId": STG,
            "SequenceId": s,
            "EtatConventionId": 999999994,
        },
        "EtatConventionId",
        400,
    ),
]


@pytest.mark.parametrize("make_body,field,status", BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_convention_input(client, server, dossier, make_body, field, status):
    """R49 (ApprenantId, TypeConventionId, SequenceId are mandatory and must exist), R48/R51 (the séquence
    is one of the learner's): refused, named, nothing written."""
    seq = s_sequences(client, dossier)[0]["Sequence"]["Id"]
    body = make_body(dossier, seq)
    if body.get("SequenceId") == "OTHER":
        body["SequenceId"] = client.get(
            "Sequence", params={"$filter": f"ProgrammeId ne {PROGRAMME}", "$top": "1"}
        ).json()["value"][0]["Id"]
    before = snapshot(server.database_url)
    err = odata_error(client.post("Convention", json=body), status)
    assert field in err["message"] or err.get("target") == field, err
    assert snapshot(server.database_url) == before


def test_bad_links_and_updates(client, server, dossier):
    """R55 (one entreprise per convention, 409), R58 (two roles on one Professionnel, 400), unknown
    financing body or état (400): nothing written."""
    seq = s_sequences(client, dossier)[0]["Sequence"]["Id"]
    conv = created(
        client.post(
            "Convention", json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": STG, "SequenceId": seq}
        )
    )
    other = created(
        client.post(
            "Convention", json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": STG, "SequenceId": seq}
        )
    )
    entreprise = created(client.post("Entreprise", json={}))
    assert client.patch(f"Convention/{conv['Id']}", json={"EntrepriseId": entreprise["Id"]}).status_code == 200
    pro = created(
        client.post(
            "Professionnel", json={"CiviliteId": 1541, "Nom": "X", "Prenoms": "Y", "NomUsage": "X", "PrenomUsage": "Y"}
        )
    )
    before = snapshot(server.database_url)
    err = odata_error(client.patch(f"Convention/{other['Id']}", json={"EntrepriseId": entreprise["Id"]}), 409)
    assert "EntrepriseId" in (err.get("target") or "") and "entreprise" in err["message"]
    err = odata_error(
        client.post(
            "ConventionOrganismeFinanceur", json={"ConventionId": conv["Id"], "OrganismeFinanceurId": 999999995}
        ),
        400,
    )
    assert "OrganismeFinanceurId" in err["message"]
    err = odata_error(
        client.patch(f"Convention/{conv['Id']}", json={"MaitreId": pro["Id"], "SignataireId": pro["Id"]}), 400
    )
    assert "same Professionnel" in err["message"]
    odata_error(client.patch(f"Convention/{conv['Id']}", json={"EtatConventionId": 999999996}), 400)
    odata_error(client.post("Convention/999999997/SynchronisationAffaire"), 404)
    odata_error(client.get(f"Convention/{conv['Id']}/SynchronisationAffaire"), 405)
    assert snapshot(server.database_url) == before
    # Deleting the convention frees its entreprise for another one.
    assert client.delete(f"Convention/{conv['Id']}").status_code == 204
    assert client.patch(f"Convention/{other['Id']}", json={"EntrepriseId": entreprise["Id"]}).status_code == 200


def test_one_entreprise_per_convention_under_concurrency(client, database_url):
    """20 concurrent attempts to give 10 conventions the same entreprise, through two
    server processes: exactly one wins, the others get 409 (R55, enforced by the database)."""
    dossier = make_dossier(client)
    seq = s_sequences(client, dossier)[0]["Sequence"]["Id"]
    conventions = [
        created(
            client.post(
                "Convention", json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": STG, "SequenceId": seq}
            )
        )["Id"]
        for _ in range(10)
    ]
    entreprise = created(client.post("Entreprise", json={"Nom": "Convoitée"}))["Id"]
    with server_processes(database_url, 2) as roots:
        statuses: list[int] = []
        barrier = threading.Barrier(20)

        def attempt(i: int):
            with httpx.Client(base_url=roots[i % 2], auth=(USER, PASSWORD), timeout=60) as c:
                barrier.wait()
                r = c.patch(f"Convention/{conventions[i % 10]}", json={"EntrepriseId": entreprise})
                statuses.append(r.status_code)
                if r.status_code == 409:
                    assert "entreprise" in r.json()["error"]["message"]

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    # Exactly one convention holds the entreprise; its two attempts succeed (the second
    # sets the value it already has), the 18 attempts on the 9 others get 409.
    owners = client.get("Convention", params={"$filter": f"EntrepriseId eq {entreprise}"}).json()["value"]
    assert len(owners) == 1 and owners[0]["Id"] in conventions
    assert len(statuses) == 20
    assert statuses.count(200) == 2 and statuses.count(409) == 18, statuses


def upload_documents(client, code: str, n: int = 2) -> list[str]:
    """B17: the convention's folder under the share, then files and their descriptions."""
    share = client.get("Instance").json()
    share = share.get("FileSystemShareName") or share["value"][0]["FileSystemShareName"]
    found = client.get("Directory", params={"$filter": f"path eq {share}\\{code}"}).json()["value"]
    if found:
        folder = found[0]["Streamid"]
    else:
        root = client.get("Directory", params={"$filter": f"path eq {share}"}).json()["value"][0]["Streamid"]
        r = client.post("Directory", json={"Name": code, "Streamid": root})
        assert r.status_code == 201, r.text
        folder = r.json()["value"]
    files = []
    for i in range(n):
        f = created(
            client.post(
                "File",
                json={
                    "Streamid": folder,
                    "Name": f"convention-{i}.pdf",
                    "File_extension": ".pdf",
                    "stream": "JVBERi0xLjQKJcfsj6IK",
                },
            )
        )
        created(
            client.post(
                "Description",
                json={
                    "Streamid": f["Streamid"],
                    "Contexte": code,
                    "Regroupement": "CONVENTION",
                    "DossierCible": f"\\\\{share}\\{code}",
                },
            )
        )
        files.append(f["Streamid"])
    return files


def alive(client, files: list[str]) -> list[bool]:
    return [
        client.get(f"File/{f}").status_code == 200 and client.get(f"Description/{f}").status_code == 200 for f in files
    ]


def test_back_to_saisie_deletes_the_documents_and_only_then(client, dossier):
    """R54: SAISIE from another état deletes the documents; nothing else does."""
    conv = created(
        client.post(
            "Convention",
            json={
                "ApprenantId": dossier["learner"]["Id"],
                "TypeConventionId": STG,
                "SequenceId": s_sequences(client, dossier)[0]["Sequence"]["Id"],
            },
        )
    )
    other = created(
        client.post(
            "Convention",
            json={
                "ApprenantId": dossier["learner"]["Id"],
                "TypeConventionId": STG,
                "SequenceId": s_sequences(client, dossier)[0]["Sequence"]["Id"],
            },
        )
    )
    etats = {e["Code"]: e["Id"] for e in client.get("EtatConvention").json()["value"]}
    assert conv["EtatConventionId"] == etats["SAISIE"]
    files = upload_documents(client, conv["Code"])
    neighbour = upload_documents(client, other["Code"], 1)

    def move(code: str):
        full = client.get(f"Convention/{conv['Id']}").json()
        full.pop("@odata.context")
        full.pop("Id")
        full["EtatConventionId"] = etats[code]
        r = client.post(f"Convention/{conv['Id']}", json=full)  # B18, as documented
        assert r.status_code == 200, r.text

    move("SAISIE")  # SAISIE -> SAISIE keeps them
    assert alive(client, files) == [True, True]
    move("APPRENANT")  # to another état keeps them
    move("ENTR")  # between other états keeps them
    assert alive(client, files) == [True, True]
    move("SAISIE")  # back to SAISIE: deleted
    assert alive(client, files) == [False, False]
    assert alive(client, neighbour) == [True]  # another convention's documents stay
    share = client.get("Instance").json().get("FileSystemShareName", "instance")
    folder = client.get("Directory", params={"$filter": f"path eq {share}\\{conv['Code']}"}).json()["value"][0]
    assert client.get(f"Directory/{folder['Streamid']}").json()["value"] == []
    # Documents uploaded while in SAISIE survive edits that stay in SAISIE.
    again = upload_documents(client, conv["Code"], 1)
    assert client.patch(f"Convention/{conv['Id']}", json={"Remuneration": 900.0}).status_code == 200
    assert alive(client, again) == [True]


def test_bad_document_inputs(client, server):
    before = snapshot(server.database_url)
    root = client.get("Directory", params={"$filter": "path eq instance"}).json()["value"][0]["Streamid"]
    err = odata_error(
        client.post(
            "File", json={"Streamid": root, "Name": "x.pdf", "File_extension": ".pdf", "stream": "pas du base64 !"}
        ),
        400,
    )
    assert "stream" in err["message"] or err.get("target") == "stream"
    assert snapshot(server.database_url) == before


def test_instance_is_answered_as_one_object(client):
    """GET /Instance returns the instance itself (documented), not a collection."""
    r = client.get("Instance").json()
    assert_like(r, doc("Instance", "GET /Instance"), collection=False)
    assert r["FileSystemShareName"] == "instance"
    assert "value" in client.get("Instance", params={"$filter": "Id gt 0"}).json()


def test_next_page_of_a_body_scoped_query_keeps_its_scope(client, dossier):
    """The {"Id": …} scope of the séquence query travels to @odata.nextLink (which a
    client follows with a plain GET) as the custom option InscriptionId."""
    ins = dossier["inscription"]["Id"]
    first = client.request("GET", SEQ_QUERY + "&$top=1&$orderby=Id", json={"Id": ins}).json()
    everything = client.request("GET", SEQ_QUERY + "&$orderby=Id", json={"Id": ins}).json()["value"]
    assert len(everything) >= 2
    # A page size of 1 forces a next link: ask through the custom option directly.
    r = client.get(SEQ_QUERY + f"&$orderby=Id&$skip=1&InscriptionId={ins}")
    assert r.json()["value"] == everything[1:]
    assert first["value"] == everything[:1]
    odata_error(client.get(SEQ_QUERY + "&InscriptionId=abc"), 400)
