"""Use case A of workflows.md — create a dossier d'inscription — replayed over HTTP
exactly as an integrator calls it, each response checked against the documented one."""

from __future__ import annotations

import re
import threading
import uuid

import httpx
import pytest
from conftest import PASSWORD, USER, assert_like, created, doc, examples, odata_error, server_processes, snapshot

PROGRAMME, PARCOURS, RECRUTEMENT, REGIME, ETAT = 2215158, 2215168, 2215184, 544, 78736
OTHER_PROGRAMME_VOIE = None  # found at run time


def test_use_case_a_as_documented(client):
    """Use case A, call by call; the rules each step checks are named where it checks them."""
    tag = uuid.uuid4().hex[:6]
    # A2 civilités: the configured list, whose ids feed CiviliteId (R16)
    r = client.get("Civilite")
    assert_like(r.json(), doc("Civilite", "GET /Civilite"))
    civilite = next(c for c in r.json()["value"] if c["Code"] == "M")["Id"]
    # A1 e-mail, created first; its id is kept for the learner's MailId (R12, R14)
    mail = created(client.post("Mail", json={"Adresse": f"jean.dupont.{tag}@ecole.fr", "IsDuplicate": False}))
    assert_like(mail, doc("Mail", "POST /Mail"))
    assert mail["Nom"] == "" and mail["Code"] == "" and mail["IsDuplicate"] is False  # R12
    # A4 learner (the docs post it to /Candidat: X2)
    body = {"Nom": "DUPONT", "Prenoms": "Jean", "CiviliteId": civilite, "MailId": mail["Id"]}
    learner = created(client.post("Apprenant", json=body))
    documented = doc("Apprenant", "POST /Candidat")
    assert_like(learner, documented)
    assert learner["MailId"] == mail["Id"]  # R14
    assert re.fullmatch(r"A\d{5}", learner["Code"])  # R18: the server's code
    assert learner["IndividuId"] > 0 and learner["IndividuId"] != learner["Id"]  # R18: an Individu is created
    assert client.get(f"Individu/{learner['IndividuId']}").status_code == 200
    assert learner["GenreMale"] is False  # R19: not derived from the civilité
    for k, v in documented.items():  # every documented default of a fresh learner (R18: NumeroIne null…)
        if k not in body and k not in (
            "@odata.context",
            "Id",
            "Code",
            "IndividuId",
            "Login",
            "NomUsage",
            "PrenomUsage",
        ):
            assert learner[k] == v, (k, learner[k], v)
    # A5–A8 referentials
    programmes = client.get("Programme").json()
    assert_like(programmes, doc("Programme", "GET /Programme"))
    assert client.get("RegimeInscription").status_code == 200
    assert_like(client.get("RegimeInscription").json(), doc("RegimeInscription", "GET"))
    voies = client.get("Recrutement").json()
    assert_like(voies, doc("Recrutement", "GET"))
    voie = next(v for v in voies["value"] if v["ProgrammeId"] == PROGRAMME)
    assert_like(client.get("EtatInscription").json(), doc("EtatInscription", "GET"))
    # A9 inscription
    inscription = created(
        client.post(
            "Inscription",
            json={
                "ApprenantId": learner["Id"],
                "ProgrammeId": PROGRAMME,
                "RegimeInscriptionId": REGIME,
                "RecrutementId": voie["Id"],
                "EtatInscriptionId": ETAT,
                "DateInscription": "2023-11-20T12:00:00.000Z",
            },
        )
    )
    assert_like(inscription, doc("Inscription", "POST /Inscription"))
    assert inscription["DateInscription"] == "2023-11-20T13:00:00+01:00"  # R8
    programme = next(p for p in programmes["value"] if p["Id"] == PROGRAMME)
    assert inscription["EntiteJuridiqueId"] == programme["EntiteJuridiqueId"]  # R28
    # R27, R46: the server created the inscription's Affaire (just before it) with a code C + 5 digits
    affaire = client.get(f"Affaire/{inscription['AffaireId']}")
    assert affaire.status_code == 200
    assert_like(affaire.json(), doc("Affaire", "GET"))
    assert re.fullmatch(r"C\d{5}", affaire.json()["Code"])
    assert 0 < inscription["AffaireId"] < inscription["Id"]
    # A10 the voie d'entrée's parcours and its periods (R32)
    assert_like(client.get(f"Parcours/{voie['ParcoursId']}").json(), doc("Parcours", "GET /Parcours/2215168"))
    parcours = client.get(f"Parcours/{voie['ParcoursId']}?$expand=ParcoursPeriodes").json()
    assert_like(parcours, doc("Parcours", "GET /Parcours/2215168?$expand"), collection=False)
    # A11 one link per period, as the documented body does
    for p in parcours["ParcoursPeriodes"]:
        link = created(
            client.post(
                "InscriptionPeriode",
                json={
                    "InscriptionId": inscription["Id"],
                    "PeriodeId": p["PeriodeId"],
                    "LibellePeriode": p["LibellePeriode"],
                    "Debut": p["Debut"],
                    "Fin": p["Fin"],
                    "AnneeScolaire": p["AnneeScolaire"],
                    "RegimeInscriptionId": REGIME,
                    "EtatInscriptionId": ETAT,
                },
            )
        )
        assert_like(link, doc("InscriptionPeriode", "POST"))
        assert link["RecrutementId"] == 0  # R30
    periods = client.get(f"Inscription/{inscription['Id']}/InscriptionPeriodes").json()  # R31
    assert_like(periods, doc("Inscription", "GET /Inscription/2253468/InscriptionPeriodes"))
    assert [p["PeriodeId"] for p in periods["value"]] == [p["PeriodeId"] for p in parcours["ParcoursPeriodes"]]
    # The learner is now enrolled in the programme's séquences of those periods, listed by learner (R24).
    enrolled = client.get(
        "InscriptionSequence", params={"$filter": f"ApprenantId eq {learner['Id']}", "$expand": "Sequence"}
    ).json()["value"]
    assert enrolled and all(e["Sequence"]["ProgrammeId"] == PROGRAMME for e in enrolled)
    assert all(e["ApprenantId"] == learner["Id"] for e in enrolled)
    labels = {p["LibellePeriode"] for p in parcours["ParcoursPeriodes"]}
    assert all(e["Sequence"]["LibellePeriode"] in labels or e["Sequence"]["LibellePeriode"] == "" for e in enrolled)
    # A12 what the client needs
    assert_like(
        client.get("SocieteFacturation").json(), doc("SocieteFacturation", "GET /SocieteFacturation"), collection=True
    )
    natures = client.get("NatureClient").json()
    assert_like(natures, doc("NatureClient", "GET"), collection=True)
    societe = client.get("SocieteFacturation").json()["value"][0]["Id"]
    nature = natures["value"][0]["Id"]
    client_mail = created(client.post("Mail", json={"Adresse": f"jean.dupont.{tag}@ecole.fr", "IsDuplicate": True}))
    pays = client.get("Pays", params={"$filter": "Code eq 'FR'"}).json()["value"]
    assert pays  # R15: the country comes from GET /Pays
    adresse = created(
        client.post(
            "Adresse",
            json={
                "Adresse1": "1 rue de la Paix",
                "CodePostal": "75002",
                "Ville": "Paris",
                "PaysId": pays[0]["Id"] if pays else 0,
            },
        )
    )
    assert_like(adresse, doc("Adresse", "POST"))
    assert adresse["PaysId"] == pays[0]["Id"]  # R15
    assert adresse["Nom"] == "" and adresse["Code"] == "" and adresse["DatePeremption"] is None  # R15
    # R7: the documented curl sends no Content-Type; the body is JSON all the same
    tel = created(client.post("Telephone", content=b'{"Numero": "0601020304"}'))
    assert tel["Numero"] == "0601020304"
    assert_like(tel, doc("Telephone", "POST"))
    # A13 the client, from the learner
    payer = created(
        client.post(
            f"Apprenant/{learner['Id']}/Client",
            json={
                "Nom": "ARTHURO",
                "Prenoms": "Valentin",
                "EntiteJuridiqueId": societe,
                "NatureClientId": nature,
                "MailId": client_mail["Id"],
                "AdresseId": adresse["Id"],
                "TelephoneId": tel["Id"],
            },
        )
    )
    assert_like(payer, doc("Client", "POST /Apprenant"))
    assert payer["Code"] == f"411-{learner['Code']}-" and payer["ReferenceId"] == learner["Id"]  # R42, X13
    assert payer["NomUsage"] == "ARTHURO"  # R44, X12
    # X12: a real new id and the values sent (the documented response shows Id 0 and other ids)
    assert payer["Id"] > learner["Id"] and payer["EntiteJuridiqueId"] == societe and payer["NatureClientId"] == nature
    assert payer["CiviliteId"] == 0 and payer["DateNaissance"] is None  # R41: nothing copied
    found = client.get(f"Client?%24filter=ReferenceId+eq+{learner['Id']}").json()["value"]  # R43
    assert [c["Id"] for c in found] == [payer["Id"]]
    # A14 the client pays the affaire: AffaireId from the inscription, Principal marks the payer (R45)
    cpa = created(
        client.post(
            "ClientPourAffaire",
            json={"AffaireId": inscription["AffaireId"], "ClientId": payer["Id"], "Principal": True},
        )
    )
    assert_like(cpa, doc("ClientPourAffaire", "POST"))
    assert cpa["Principal"] is True
    # Every lookup of the learner finds it (R21).
    for url in (f"Apprenant/{learner['Id']}", f"Apprenant({learner['Id']})"):
        assert client.get(url).json()["Id"] == learner["Id"]
    for filt in (
        f"Code eq '{learner['Code']}'",
        f"Nom eq 'DUPONT' and Prenoms eq 'Jean' and Id eq {learner['Id']}",
        f"Mail/Adresse eq '{mail['Adresse']}'",
    ):
        r = client.get("Apprenant", params={"$filter": filt})
        assert_like(r.json(), doc("Apprenant", "GET /Apprenant?$filter=Code"), collection=True)
        assert [a["Id"] for a in r.json()["value"]] == [learner["Id"]]
    # R29: the learner's inscriptions
    assert [i["Id"] for i in client.get(f"Inscription?$filter=ApprenantId eq {learner['Id']}").json()["value"]] == [
        inscription["Id"]
    ]
    # A3 + A4b (R20): a User created beforehand is attached later by a full update carrying its id in
    # RefSysteme (a string); server-owned values survive it.
    user = created(client.post("User", json={**doc_user_body(), "Login": f"jean.dupont.{tag}@ecole.fr"}))
    full = client.get(f"Apprenant/{learner['Id']}").json()
    full.pop("@odata.context")
    full.pop("Id")
    full["RefSysteme"] = str(user["Id"])
    updated = client.put(f"Apprenant/{learner['Id']}", json=full)
    assert updated.status_code == 200 and updated.json()["RefSysteme"] == str(user["Id"])
    assert client.get(f"Apprenant/{learner['Id']}").json()["RefSysteme"] == str(user["Id"])
    assert updated.json()["Code"] == learner["Code"]


def doc_user_body() -> dict:
    """The documented POST /User body (A3)."""
    return dict(next(e for e in examples("User") if e["request"] == "POST /User")["request_body"])


def test_hidden_voies_d_entree(client):
    """R33, X36: a voie d'entrée without référence externe is neither listed nor readable by key; a
    ReferenceExterne whose IdObjet is the voie makes it visible (ReferenceExterneId set does too: the
    Recrutement case of tests/test_entity_sets.py reads back by key a voie made that way)."""
    visible = {v["Id"] for v in client.get("Recrutement").json()["value"]}
    hidden = created(
        client.post("Recrutement", json={"Nom": "Voie interne", "ProgrammeId": PROGRAMME, "ParcoursId": PARCOURS})
    )
    assert hidden["Id"] not in {v["Id"] for v in client.get("Recrutement").json()["value"]}
    odata_error(client.get(f"Recrutement/{hidden['Id']}"), 404)
    ref = created(
        client.post(
            "ReferenceExterne",
            json={"IdObjet": hidden["Id"], "Reference": "EXT-1", "Type": "inscription.T_RECRUTEMENT"},
        )
    )
    assert client.get(f"Recrutement/{hidden['Id']}").status_code == 200
    assert hidden["Id"] in {v["Id"] for v in client.get("Recrutement").json()["value"]}
    client.delete(f"ReferenceExterne/{ref['Id']}")
    assert {v["Id"] for v in client.get("Recrutement").json()["value"]} == visible


@pytest.fixture
def learner(client):
    mail = created(client.post("Mail", json={"Adresse": f"bad.input.{uuid.uuid4().hex[:6]}@ecole.fr"}))
    return created(
        client.post("Apprenant", json={"Nom": "BAD", "Prenoms": "Input", "CiviliteId": 1541, "MailId": mail["Id"]})
    )


def _other_programme_voie(client) -> int:
    return next(v["Id"] for v in client.get("Recrutement").json()["value"] if v["ProgrammeId"] != PROGRAMME)


BAD = [
    ("Apprenant", lambda c, who: {"Prenoms": "X", "CiviliteId": 1541, "MailId": who["MailId"]}, "Nom"),
    (
        "Apprenant",
        lambda c, who: {"Nom": "X", "Prenoms": "X", "CiviliteId": 999999991, "MailId": who["MailId"]},
        "CiviliteId",
    ),
    ("Apprenant", lambda c, who: {"Nom": "X", "Prenoms": "X", "CiviliteId": 1541}, "MailId"),
    (
        "Apprenant",
        lambda c, who: {
            "Nom": "X",
            "Prenoms": "X",
            "CiviliteId": 1541,
            "MailId": who["MailId"],
            "DateNaissance": "1er janvier",
        },
        "DateNaissance",
    ),
    ("Mail", lambda c, who: {"Adresse": "pas une adresse"}, "Adresse"),
    ("Mail", lambda c, who: {"Adresse": "jean@"}, "Adresse"),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "RegimeInscriptionId": REGIME,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
        "ProgrammeId",
    ),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "ProgrammeId": 999999992,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
        "ProgrammeId",
    ),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": 999999993,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
        "RegimeInscriptionId",
    ),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": 999999994,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
        "RecrutementId",
    ),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": _other_programme_voie(c),
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
        "RecrutementId",
    ),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": 999999995,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
        "EtatInscriptionId",
    ),
    (
        "Inscription",
        lambda c, who: {
            "ApprenantId": who["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-02-30T12:00:00Z",
        },
        "DateInscription",
    ),
    ("InscriptionPeriode", lambda c, who: {"InscriptionId": 999999996, "PeriodeId": 1326}, "InscriptionId"),
    (
        "ClientPourAffaire",
        lambda c, who: {
            "AffaireId": 999999997,
            "Principal": True,
            "ClientId": c.post(
                "Client",
                json={
                    "Nom": "X",
                    "Prenoms": "Y",
                    "EntiteJuridiqueId": 2215501,
                    "NatureClientId": c.get("NatureClient").json()["value"][0]["Id"],
                },
            ).json()["Id"],
        },
        "AffaireId",
    ),
    ("Client", lambda c, who: {"Nom": "X", "Prenoms": "Y", "EntiteJuridiqueId": 2215501}, "NatureClientId"),
]


@pytest.mark.parametrize("set_name,make_body,field", BAD, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_dossier_input_names_the_field_and_changes_nothing(client, server, learner, set_name, make_body, field):
    """Refused: a learner without Nom / MailId (R17), an e-mail that is not one (R12), an inscription
    without ProgrammeId or with a voie d'entrée of another programme (R26), a ClientPourAffaire whose
    AffaireId is no Affaire (R45), a Client without NatureClientId (R40)."""
    body = make_body(client, learner)
    before = snapshot(server.database_url)
    err = odata_error(client.post(set_name, json=body), 400)
    assert field in err["message"] or err.get("target") == field, err
    assert snapshot(server.database_url) == before


def test_unknown_period_and_affaire_in_links(client, server, learner):
    ins = created(
        client.post(
            "Inscription",
            json={
                "ApprenantId": learner["Id"],
                "ProgrammeId": PROGRAMME,
                "RegimeInscriptionId": REGIME,
                "RecrutementId": RECRUTEMENT,
                "EtatInscriptionId": ETAT,
                "DateInscription": "2023-11-20",
            },
        )
    )
    before = snapshot(server.database_url)
    err = odata_error(client.post("InscriptionPeriode", json={"InscriptionId": ins["Id"], "PeriodeId": 999999998}), 400)
    assert "PeriodeId" in err["message"]
    created(client.post("InscriptionPeriode", json={"InscriptionId": ins["Id"], "PeriodeId": 1326}))
    mid = snapshot(server.database_url)
    odata_error(client.post("InscriptionPeriode", json={"InscriptionId": ins["Id"], "PeriodeId": 1326}), 409)
    assert snapshot(server.database_url) == mid != before
    err = odata_error(
        client.post(
            f"Apprenant/{learner['Id']}/Client",
            json={"Nom": "X", "Prenoms": "Y", "EntiteJuridiqueId": 2215501, "NatureClientId": 999999999},
        ),
        400,
    )
    assert "NatureClientId" in err["message"]
    odata_error(client.post("Apprenant/999999999/Client", json={"Nom": "X"}), 404)


def test_inscription_never_exists_without_its_affaire(client, server, learner):
    """R27: the Affaire is created in the inscription's transaction: a failure after the Affaire is
    written rolls the whole request back."""
    service = server.app.state.service

    async def boom(ctx):
        if ctx.data.get("Nom") == "FAIL-AFTER-AFFAIRE":
            raise RuntimeError("forced failure after the Affaire was created")

    service.after("CREATE", "Inscription")(boom)
    before = snapshot(server.database_url)
    affaires = client.get("Affaire/$count").text
    r = client.post(
        "Inscription",
        json={
            "Nom": "FAIL-AFTER-AFFAIRE",
            "ApprenantId": learner["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00Z",
        },
    )
    err = odata_error(r, 500)
    assert "request id" in err["message"] and "RuntimeError" not in r.text  # opaque
    assert client.get("Affaire/$count").text == affaires
    assert snapshot(server.database_url) == before


def test_concurrent_learners_get_distinct_codes(database_url, api_key):
    """50 learners created at once through two server processes: 50 distinct codes."""
    with server_processes(database_url, 2) as roots:
        tag = uuid.uuid4().hex[:6]
        codes, errors = [], []

        def create(i: int):
            root = roots[i % 2]
            with httpx.Client(base_url=root, auth=(USER, PASSWORD), timeout=60) as c:
                try:
                    r = c.post("Mail", json={"Adresse": f"conc.{tag}.{i}@ecole.fr"})
                    assert r.status_code == 201, r.text
                    mail = r.json()
                    r = c.post(
                        "Apprenant",
                        json={"Nom": f"CONC{tag}", "Prenoms": str(i), "CiviliteId": 1541, "MailId": mail["Id"]},
                    )
                    assert r.status_code == 201, r.text
                    codes.append(r.json()["Code"])
                except Exception as exc:
                    errors.append(repr(exc))

        threads = [threading.Thread(target=create, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        assert len(codes) == 50 and len(set(codes)) == 50
        assert all(re.fullmatch(r"A\d{5}", c) for c in codes)
