"""Rules of docs/spec/workflows.md that src/ implements and no other test checked, each checked over HTTP
against the real database; the docstring of each test names the rules it checks."""

from __future__ import annotations

import re
import uuid
from importlib import resources

import pytest
import yaml
from conftest import created, odata_error, snapshot
from test_files import mkdir, new_code, root, upload
from test_workflow_convention import APP, PRO, make_dossier, s_sequences

PROGRAMME, RECRUTEMENT, REGIME, ETAT = 2215158, 2215184, 544, 78736


def tag() -> str:
    return uuid.uuid4().hex[:8]


def new_mail(client, address: str | None = None) -> dict:
    return created(client.post("Mail", json={"Adresse": address or f"rules.{tag()}@ecole.fr"}))


def new_learner(client, **extra) -> dict:
    body = {"Nom": f"REGLE{tag()}", "Prenoms": "Inès", "CiviliteId": 1541, "MailId": new_mail(client)["Id"]}
    return created(client.post("Apprenant", json={**body, **extra}))


def inscription_body(learner: dict, **extra) -> dict:
    return {
        "ApprenantId": learner["Id"],
        "ProgrammeId": PROGRAMME,
        "RegimeInscriptionId": REGIME,
        "RecrutementId": RECRUTEMENT,
        "EtatInscriptionId": ETAT,
        "DateInscription": "2023-11-20T12:00:00Z",
        **extra,
    }


def targets(err: dict) -> set[str]:
    """The properties an OData error names: each detail's target, or the error's own."""
    return {d["target"] for d in err.get("details") or []} or {err["target"]}


# -- e-mails and bodies ------------------------------------------------------------------------------


def test_mail_search_returns_every_record_of_an_address(client):
    """R13 (X1): GET /Mail?$filter=Adresse eq '…' returns every Mail record of that address, not one."""
    address = f"partagee.{tag()}@ecole.fr"
    first, second = new_mail(client, address), new_mail(client, address)
    other = new_mail(client)
    found = client.get("Mail", params={"$filter": f"Adresse eq '{address}'"}).json()["value"]
    assert sorted(m["Id"] for m in found) == sorted([first["Id"], second["Id"]])
    assert other["Id"] not in {m["Id"] for m in found}
    assert all(m["Adresse"] == address for m in found)


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "application/octet-stream"]
)
def test_bodies_are_json_whatever_the_content_type(client, content_type):
    """R7: a JSON body is read as JSON whatever the Content-Type says (curl without -H labels it
    application/x-www-form-urlencoded), on creation and on update."""
    headers = {"Content-Type": content_type}
    tel = created(client.post("Telephone", content=b'{"Numero": "0472000001", "IsMobile": true}', headers=headers))
    assert tel["Numero"] == "0472000001" and tel["IsMobile"] is True
    r = client.put(f"Telephone/{tel['Id']}", content=b'{"Numero": "0472000002"}', headers=headers)
    assert r.status_code == 200, r.text
    assert client.get(f"Telephone/{tel['Id']}").json()["Numero"] == "0472000002"


# -- mandatory properties ----------------------------------------------------------------------------

# The mandatory lists of the spec's rules, by entity set.
MANDATORY = {
    "Apprenant": {"CiviliteId", "MailId", "Nom", "Prenoms"},
    "Inscription": {
        "ApprenantId",
        "ProgrammeId",
        "RegimeInscriptionId",
        "RecrutementId",
        "EtatInscriptionId",
        "DateInscription",
    },
    "Programme": {"Nom", "Code", "EntiteJuridiqueId", "EcoleId", "CodeDroit", "CodeAnalytique"},
    "Client": {"Nom", "Prenoms", "EntiteJuridiqueId", "NatureClientId"},
    "ClientPourAffaire": {"AffaireId", "ClientId"},
    "Convention": {"ApprenantId", "TypeConventionId", "SequenceId"},
    "DispositionFinanciere": {
        "ConventionId",
        "CoutAnnuelFormation",
        "CoutContratOpco",
        "ResteChargeEntreprise",
        "TypeFrais",
        "MajorationRQTH",
    },
    "Candidat": {"Nom", "Login", "Prenoms", "MailId"},
    "Note": {"NoteText"},
    "AutreLieuFormation": {"Code", "AdresseId", "PaysId", "Libelle", "Siret", "Uai"},
    "ProgrammeRegime": {"Nom", "EntiteJuridiqueId", "ProgrammeId", "RegimeInscriptionId", "TauxTVA"},
    "SessionRecrutement": {"ProgrammeId", "PeriodeRentreeId", "LibelleExterne", "Nom", "Code", "Debut", "Fin"},
    "Dossier": {"CandidatId", "EtatCandidatureId", "SessionRecrutementId"},
    "Professionnel": {"CiviliteId", "Nom", "Prenoms", "NomUsage", "PrenomUsage"},
}


@pytest.mark.parametrize("set_name", list(MANDATORY))
def test_mandatory_properties_are_named_and_nothing_is_written(client, server, set_name):
    """The documented mandatory lists: a creation without them is a 400 that names exactly those
    properties, and writes nothing — Apprenant (R17), Inscription (R26), Programme (R36), Client (R40),
    ClientPourAffaire (R45), Convention (R49), DispositionFinanciere (R72), Candidat (R91), Note (R98),
    AutreLieuFormation (R100); and the mandatory parts of ProgrammeRegime (R47), SessionRecrutement (R97),
    Dossier (R94) and Professionnel (R69), whose other parts are issue 16's."""
    before = snapshot(server.database_url)
    err = odata_error(client.post(set_name, json={}), 400)
    assert targets(err) == MANDATORY[set_name], err
    assert snapshot(server.database_url) == before


def test_a_note_needs_its_text(client):
    """R98: NoteText is mandatory (blank is missing); with it, the note is created."""
    assert targets(odata_error(client.post("Note", json={"NoteText": "  "}), 400)) == {"NoteText"}
    note = created(client.post("Note", json={"NoteText": "Appeler la famille"}))
    assert client.get(f"Note/{note['Id']}").json()["NoteText"] == "Appeler la famille"


# -- people -----------------------------------------------------------------------------------------


def test_a_candidate_gets_its_number_and_an_individu(client):
    """R91, X39: POST /Candidat with Nom, Login, Prenoms and MailId gets a generated Numero (C + 5 digits,
    distinct for each candidate) while its Code stays ""; an Individu is created when no IndividuId is
    sent, and the one sent is kept."""

    def candidate(**extra) -> dict:
        mail = new_mail(client)
        body = {"Nom": "DUPONT", "Login": mail["Adresse"], "Prenoms": "Jean", "MailId": mail["Id"]}
        return created(client.post("Candidat", json={**body, **extra}))

    first, second = candidate(), candidate()
    for c in (first, second):
        assert re.fullmatch(r"C\d{5}", c["Numero"]), c["Numero"]
        assert c["Code"] == ""  # X39: the candidate's number is Numero, not Code
        assert c["IndividuId"] not in (0, None, c["Id"])
        assert client.get(f"Individu/{c['IndividuId']}").status_code == 200
    assert first["Numero"] != second["Numero"] and first["IndividuId"] != second["IndividuId"]
    individu = created(client.post("Individu", json={"Nom": "DUPONT"}))
    assert candidate(IndividuId=individu["Id"])["IndividuId"] == individu["Id"]


def test_a_minor_needs_no_legal_representative(client):
    """R23 (X31): a learner under 18 without Tuteur1Id is not refused; the legal representative, when
    there is one, is reached through Tuteur1Id with GET /Tuteur/{Id}."""
    minor = new_learner(client, DateNaissance="2015-03-01T00:00:00+01:00")
    assert minor["Tuteur1Id"] == 0
    tuteur = created(client.post("Tuteur", json={"Nom": "DURAND", "Prenoms": "Paul", "CiviliteId": 1541}))
    r = client.patch(f"Apprenant/{minor['Id']}", json={"Tuteur1Id": tuteur["Id"]})
    assert r.status_code == 200, r.text
    linked = client.get(f"Apprenant/{minor['Id']}").json()["Tuteur1Id"]
    assert client.get(f"Tuteur/{linked}").json()["Nom"] == "DURAND"


def test_user_authentication_types(client):
    """R79: TypeAuthentification takes None, Standalone, Azure, ActiveDirectionOnPremise, LDAP or CAS;
    any other value is a 400 that names it, on creation and on update."""
    made = []
    for kind in ("None", "Standalone", "Azure", "ActiveDirectionOnPremise", "LDAP", "CAS"):
        user = created(
            client.post("User", json={"Nom": "X", "Login": f"{tag()}@ecole.fr", "TypeAuthentification": kind})
        )
        assert user["TypeAuthentification"] == kind
        made.append(user)
    for bad in ("Foo", "standalone", "OAuth"):
        err = odata_error(client.post("User", json={"Login": f"{tag()}@ecole.fr", "TypeAuthentification": bad}), 400)
        assert err["target"] == "TypeAuthentification" and bad in err["message"]
    err = odata_error(client.patch(f"User/{made[0]['Id']}", json={"TypeAuthentification": "Kerberos"}), 400)
    assert err["target"] == "TypeAuthentification"
    assert client.get(f"User/{made[0]['Id']}").json()["TypeAuthentification"] == "None"


# -- referentials and naming -------------------------------------------------------------------------


def test_brands_are_served_as_ecole_and_financing_bodies_as_opca(client):
    """R38: brands (Marque) are the entity set Ecole, which a Programme's EcoleId names; R67: financing
    bodies (OPCA / OPCO) are the entity set OPCA, which ConventionOrganismeFinanceur names."""
    names = {v["name"] for v in client.get("").json()["value"]}
    assert {"Ecole", "OPCA"} <= names and not {"Marque", "OPCO"} & names
    odata_error(client.get("Marque"), 404)
    odata_error(client.get("OPCO"), 404)
    brands = {e["Id"] for e in client.get("Ecole").json()["value"]}
    programmes = client.get("Programme").json()["value"]
    assert programmes and all(p["EcoleId"] in brands for p in programmes)
    err = odata_error(
        client.post(
            "Programme",
            json={
                "Nom": "P",
                "Code": "P",
                "EntiteJuridiqueId": 2215156,
                "EcoleId": programmes[0]["EntiteJuridiqueId"],  # a campus, not a brand
                "CodeDroit": "P",
                "CodeAnalytique": "P",
            },
        ),
        400,
    )
    assert err["target"] == "EcoleId"
    assert any(o["Nom"] == "OPCO EP" for o in client.get("OPCA").json()["value"])


def test_campus_and_billing_company_ids_resolve_in_entite_juridique(client):
    """R39: Campus, SocieteFacturation and EntiteJuridique share one id space: a Programme's
    EntiteJuridiqueId is a Campus and resolves as an EntiteJuridique too (the inscription copies it
    there), a Client's is a SocieteFacturation and resolves as an EntiteJuridique; each reference is
    checked in the view that applies to it."""
    # The referential's campus and companies (other tests of the run add rows of their own to each set).
    demo = yaml.safe_load((resources.files("scolarite.demo") / "referentials.yaml").read_text(encoding="utf-8"))
    campus = {c["Id"] for c in demo["Campus"]}
    societes = {s["Id"] for s in demo["SocieteFacturation"]}
    wanted = ",".join(str(i) for i in sorted(campus | societes))
    for set_name, ids in (("Campus", campus), ("SocieteFacturation", societes), ("EntiteJuridique", campus | societes)):
        found = client.get(set_name, params={"$select": "Id", "$filter": f"Id in ({wanted})"}).json()["value"]
        assert {e["Id"] for e in found} == ids, set_name
    programme = client.get(f"Programme/{PROGRAMME}").json()
    assert programme["EntiteJuridiqueId"] in campus
    ins = created(client.post("Inscription", json=inscription_body(new_learner(client))))
    assert client.get(f"EntiteJuridique/{ins['EntiteJuridiqueId']}").status_code == 200
    assert client.get(f"Campus/{ins['EntiteJuridiqueId']}").status_code == 200
    affaire = client.get(f"Affaire/{ins['AffaireId']}").json()
    assert affaire["EntiteJuridiqueId"] == ins["EntiteJuridiqueId"]
    nature = client.get("NatureClient", params={"$top": "1"}).json()["value"][0]["Id"]
    body = {"Nom": "X", "Prenoms": "Y", "NatureClientId": nature}
    societe = min(societes)
    payer = created(client.post("Client", json={**body, "EntiteJuridiqueId": societe}))
    assert client.get(f"EntiteJuridique/{payer['EntiteJuridiqueId']}").status_code == 200
    campus_only = next(c for c in sorted(campus) if client.get(f"SocieteFacturation/{c}").status_code == 404)
    err = odata_error(client.post("Client", json={**body, "EntiteJuridiqueId": campus_only}), 400)
    assert err["target"] == "EntiteJuridiqueId"


def test_programme_lists_its_parametres_inline(client):
    """R37: GET /Programme returns each programme with its Parametres collection ({Id, Code, Valeur},
    Id 0) inlined, without $expand; the context is the standard $metadata#Programme (X19)."""
    r = client.get("Programme")
    assert r.status_code == 200, r.text
    assert r.json()["@odata.context"].endswith("$metadata#Programme")
    for programme in r.json()["value"]:
        assert isinstance(programme["Parametres"], list)
        for parametre in programme["Parametres"]:
            assert list(parametre) == ["Id", "Code", "Valeur"]
    documented = next(p for p in r.json()["value"] if p["Id"] == PROGRAMME)["Parametres"]
    assert documented and all(p["Id"] == 0 for p in documented)
    assert client.get(f"Programme/{PROGRAMME}").json()["Parametres"] == documented


def test_dossier_custom_fields_are_written_and_read_through_parametres(client):
    """R96: a Dossier's custom fields are written through its Parametres collection ({Code, Valeur}) and
    come back with Id 0, by a full update (GET, change, POST on the key) or a merge."""
    mail = new_mail(client)
    candidat = created(
        client.post(
            "Candidat", json={"Nom": "DUPONT", "Login": mail["Adresse"], "Prenoms": "Jean", "MailId": mail["Id"]}
        )
    )
    session = client.get("SessionRecrutement", params={"$top": "1"}).json()["value"][0]["Id"]
    etat = client.get("EtatCandidature", params={"$top": "1"}).json()["value"][0]["Id"]
    dossier = created(
        client.post(
            "Dossier", json={"CandidatId": candidat["Id"], "SessionRecrutementId": session, "EtatCandidatureId": etat}
        )
    )
    full = {k: v for k, v in client.get(f"Dossier/{dossier['Id']}").json().items() if not k.startswith("@")}
    full["Parametres"] = [{"Code": "MonChampPersonnalisé", "Valeur": "lavaleurdemonchamp"}]
    r = client.post(f"Dossier/{dossier['Id']}", json=full)
    assert r.status_code == 200, r.text
    expected = [{"Id": 0, "Code": "MonChampPersonnalisé", "Valeur": "lavaleurdemonchamp"}]
    assert r.json()["Parametres"] == expected
    assert client.get(f"Dossier/{dossier['Id']}").json()["Parametres"] == expected
    r = client.patch(f"Dossier/{dossier['Id']}", json={"Parametres": [{"Code": "Autre", "Valeur": "2"}]})
    assert r.status_code == 200, r.text
    assert client.get(f"Dossier/{dossier['Id']}").json()["Parametres"] == [{"Id": 0, "Code": "Autre", "Valeur": "2"}]


def test_external_references_by_object_and_by_type(client):
    """R83: ReferenceExterne is searched by IdObjet (the reference of one entity) or by Type (every
    reference of one legacy type)."""
    kind = "recrutement.T_AGENT"
    agents = [created(client.post("Agent", json={"Nom": f"AGENT{tag()}"})) for _ in range(2)]
    refs = [
        created(client.post("ReferenceExterne", json={"Reference": uuid.uuid4().hex, "Type": kind, "IdObjet": a["Id"]}))
        for a in agents
    ]
    mail = new_mail(client)
    other = created(
        client.post(
            "ReferenceExterne", json={"Reference": uuid.uuid4().hex, "Type": "myapp.T_MAIL", "IdObjet": mail["Id"]}
        )
    )
    one = client.get("ReferenceExterne", params={"$filter": f"IdObjet eq {agents[0]['Id']}"}).json()["value"]
    assert [r["Id"] for r in one] == [refs[0]["Id"]]
    of_type = client.get("ReferenceExterne", params={"$filter": f"Type eq '{kind}'"}).json()["value"]
    assert {r["Id"] for r in refs} <= {r["Id"] for r in of_type}
    assert other["Id"] not in {r["Id"] for r in of_type} and all(r["Type"] == kind for r in of_type)


def test_commentaires_are_found_by_their_reference(client):
    """R99: a Commentaire is attached to another object through Reference (the id of a Mail, an
    Adresse, a Convention…) and found with $filter=Reference eq {id}; a Reference that is no object is
    refused."""
    mail = new_mail(client)
    adresse = created(client.post("Adresse", json={"Ville": "Lyon"}))
    on_mail = [created(client.post("Commentaire", json={"Reference": mail["Id"], "Texte": t})) for t in ("a", "b")]
    created(client.post("Commentaire", json={"Reference": adresse["Id"], "Texte": "c"}))
    found = client.get("Commentaire", params={"$filter": f"Reference eq {mail['Id']}"}).json()["value"]
    assert sorted(c["Id"] for c in found) == sorted(c["Id"] for c in on_mail)
    err = odata_error(client.post("Commentaire", json={"Reference": 999999999, "Texte": "x"}), 400)
    assert err["target"] == "Reference"


# -- inscriptions ------------------------------------------------------------------------------------


def test_origines_and_the_origine_of_an_inscription(client):
    """R34: GET /Origine lists the provenances an Inscription's OrigineId can name; R35 (X10): the
    OrigineId sent on creation is stored when it names an Origine (the documented response's 0 is not
    reproduced), and refused when it names none (the documented 1234567 is a campus)."""
    origines = client.get("Origine").json()["value"]
    assert origines
    origine = origines[-1]["Id"]
    ins = created(client.post("Inscription", json=inscription_body(new_learner(client), OrigineId=origine)))
    assert ins["OrigineId"] == origine
    assert client.get(f"Inscription/{ins['Id']}").json()["OrigineId"] == origine
    err = odata_error(client.post("Inscription", json=inscription_body(new_learner(client), OrigineId=1234567)), 400)
    assert err["target"] == "OrigineId"


def test_course_registrations_of_a_learner(client):
    """R25: GET /InscriptionCours?$filter=ApprenantId eq {id} returns that learner's course registrations
    and no one else's."""
    learner, other = new_learner(client), new_learner(client)
    mine = [created(client.post("InscriptionCours", json={"ApprenantId": learner["Id"]})) for _ in range(2)]
    created(client.post("InscriptionCours", json={"ApprenantId": other["Id"]}))
    found = client.get("InscriptionCours", params={"$filter": f"ApprenantId eq {learner['Id']}"}).json()["value"]
    assert sorted(c["Id"] for c in found) == sorted(c["Id"] for c in mine)
    assert all(c["ApprenantId"] == learner["Id"] for c in found)


# -- files -------------------------------------------------------------------------------------------


def test_a_validated_description(client):
    """R89: a Description is marked validated by sending DateValidation, Statut 1 and Valideur; they are
    stored as sent, beside the file's Contexte, Regroupement and DossierCible."""
    folder = mkdir(client, root(client), new_code())
    file = upload(client, folder, "convention-signee.pdf")
    body = {
        "Streamid": file["Streamid"],
        "Contexte": "CS00000573",
        "Regroupement": "CONVENTION",
        "DossierCible": "\\\\instance\\CS00000573",
        "DateValidation": "2024-05-02T10:00:00+02:00",
        "Statut": 1,
        "Valideur": "Service scolarité",
    }
    desc = created(client.post("Description", json=body))
    stored = client.get(f"Description/{file['Streamid']}").json()
    for got in (desc, stored):
        assert {k: got[k] for k in body} == body


# -- convention: training costs and billing schedule -------------------------------------------------


def _convention(client, kind: int) -> tuple[dict, dict]:
    """A convention of type ``kind`` on a séquence that carries both billing schedules, with its dossier."""
    dossier = make_dossier(client)
    sequence = next(
        s["Sequence"]
        for s in s_sequences(client, dossier)
        if s["Sequence"]["EcheancierFacturationApprentissageId"] and s["Sequence"]["EcheancierFacturationProId"]
    )
    conv = created(
        client.post(
            "Convention",
            json={"ApprenantId": dossier["learner"]["Id"], "TypeConventionId": kind, "SequenceId": sequence["Id"]},
        )
    )
    return conv, sequence


def test_training_costs_a_second_row_of_one_type_is_accepted(client):
    """R72: the documented body (every property, ResteChargeEntreprise 0) creates the row; R74: a second
    row with a TypeFrais already on the convention is accepted too, and both are listed by ConventionId."""
    conv, _ = _convention(client, APP)
    body = {
        "ConventionId": conv["Id"],
        "CoutAnnuelFormation": 5400.0,
        "CoutContratOpco": 5400.0,
        "ResteChargeEntreprise": 0.0,
        "TypeFrais": "Premiere",
        "MajorationRQTH": 0.0,
    }
    first = created(client.post("DispositionFinanciere", json=body))
    second = created(client.post("DispositionFinanciere", json={**body, "CoutAnnuelFormation": 6000.0}))
    assert first["ResteChargeEntreprise"] == 0.0 and second["TypeFrais"] == first["TypeFrais"] == "Premiere"
    rows = client.get("DispositionFinanciere", params={"$filter": f"ConventionId eq {conv['Id']}"}).json()["value"]
    assert sorted(r["Id"] for r in rows) == sorted([first["Id"], second["Id"]])


def test_a_billing_schedule_is_applied_by_the_integrator(client):
    """B16. R62: creating a convention copies no billing schedule. R63: its séquence carries an
    apprenticeship schedule (EcheancierFacturationApprentissageId) and a professionalisation one
    (EcheancierFacturationProId). R64: the integrator lists the schedule's lines by EcheancierId, the
    convention's by ConventionId, and creates the missing ones. R65: apprenticeship lines
    (EcheanceApprentissageConvention) are amounts or percentages billed to the company (EntrepriseId) or
    the financing body (OPCAId); professionalisation lines (EcheanceConvention) are hours times a rate,
    with absence fields."""
    conv, sequence = _convention(client, APP)
    # R62: nothing copied on creation.
    for lines in ("EcheanceApprentissageConvention", "EcheanceConvention"):
        assert client.get(lines, params={"$filter": f"ConventionId eq {conv['Id']}"}).json()["value"] == []
    # R63: the séquence's schedules.
    app_id, pro_id = sequence["EcheancierFacturationApprentissageId"], sequence["EcheancierFacturationProId"]
    assert client.get(f"EcheancierFacturationApprentissage/{app_id}").status_code == 200
    assert client.get(f"EcheancierFacturation/{pro_id}").status_code == 200
    entreprise = created(client.post("Entreprise", json={"Nom": f"Ent {tag()}"}))
    assert client.patch(f"Convention/{conv['Id']}", json={"EntrepriseId": entreprise["Id"]}).status_code == 200
    opca = next(o for o in client.get("OPCA").json()["value"] if o["Nom"] == "OPCO EP")["Id"]
    created(
        client.post("ConventionOrganismeFinanceur", json={"ConventionId": conv["Id"], "OrganismeFinanceurId": opca})
    )

    # R64, apprenticeship: the schedule's lines, those already on the convention, the missing ones created.
    schedule = client.get("EcheanceFacturationApprentissage", params={"$filter": f"EcheancierId eq {app_id}"})
    schedule = schedule.json()["value"]
    assert schedule and all(line["EcheancierId"] == app_id for line in schedule)
    copied = ("Libelle", "LibelleExterne", "Pourcentage", "Montant", "Date", "Compte", "CodeAnalytique")

    def apply() -> None:
        on_conv = client.get("EcheanceApprentissageConvention", params={"$filter": f"ConventionId eq {conv['Id']}"})
        present = {line["Libelle"] for line in on_conv.json()["value"]}
        for line in schedule:
            if line["Libelle"] in present:
                continue
            payer = {"EntrepriseId": entreprise["Id"]} if line["IsEntreprise"] else {"OPCAId": opca}  # R65
            body = {
                "ConventionId": conv["Id"],
                **payer,
                **{k: line[k] for k in copied},
                "PeriodeNom": line["PeriodeNom"],
            }
            created(client.post("EcheanceApprentissageConvention", json=body))

    apply()
    apply()  # a second run finds every line and creates none
    lines = client.get("EcheanceApprentissageConvention", params={"$filter": f"ConventionId eq {conv['Id']}"})
    lines = lines.json()["value"]
    assert sorted(x["Libelle"] for x in lines) == sorted(x["Libelle"] for x in schedule)
    for line in lines:
        source = next(s for s in schedule if s["Libelle"] == line["Libelle"])
        assert {k: line[k] for k in copied} == {k: source[k] for k in copied}
        assert (line["EntrepriseId"], line["OPCAId"]) == (
            (entreprise["Id"], 0) if source["IsEntreprise"] else (0, opca)
        )

    # R64/R65, professionalisation: hours from the schedule, the rate from the integrator.
    pro_conv, _ = _convention(client, PRO)
    pro_lines = client.get("EcheanceFacturation", params={"$filter": f"EcheancierId eq {pro_id}"}).json()["value"]
    assert pro_lines and all(line["EcheancierId"] == pro_id for line in pro_lines)
    for line in pro_lines:
        created(
            client.post(
                "EcheanceConvention",
                json={
                    "ConventionId": pro_conv["Id"],
                    "OPCAId": opca,
                    "NbHeureTheorique": line["NbHeureTheorique"],
                    "NbHeureReelle": line["NbHeureReelle"],
                    "Taux": 12.5,
                    "Date": line["Date"],
                    "Libelle": line["Libelle"],
                    "DureeAbsence": 3.5,
                },
            )
        )
    got = client.get("EcheanceConvention", params={"$filter": f"ConventionId eq {pro_conv['Id']}"}).json()["value"]
    assert sorted(g["Libelle"] for g in got) == sorted(line["Libelle"] for line in pro_lines)
    for g in got:
        assert g["Taux"] == 12.5 and g["DureeAbsence"] == 3.5 and g["OPCAId"] == opca
        assert g["NbHeureTheorique"] == next(x for x in pro_lines if x["Libelle"] == g["Libelle"])["NbHeureTheorique"]
    err = odata_error(
        client.post("EcheanceApprentissageConvention", json={"ConventionId": conv["Id"], "OPCAId": 999999999}), 400
    )
    assert err["target"] == "OPCAId"
