"""Query options in SQL: the documented query strings, filter semantics that are
the same on SQLite and PostgreSQL, $expand at one statement per level, paging."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from conftest import PAGE_SIZE, example, odata_error

from scolarite.model import schema
from scolarite.store.db import Database

PROGRAMME, PARCOURS, RECRUTEMENT, REGIME, ETAT = 2215158, 2215168, 2215184, 544, 78736


def uid() -> str:
    return uuid.uuid4().hex[:8]


def post(client, set_name, body) -> dict:
    r = client.post(set_name, json=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def learner(client):
    tag = uid()
    mail = post(client, "Mail", {"Adresse": f"emmanuel.fernandez.{tag}@outlook.com", "IsDuplicate": False})
    appr = post(
        client,
        "Apprenant",
        {
            "Nom": f"FERNANDEZ{tag}",
            "Prenoms": "Emmanuel",
            "CiviliteId": 1541,
            "MailId": mail["Id"],
            "DateNaissance": "1994-09-01T00:00:00+02:00",
        },
    )
    return {"mail": mail, "apprenant": appr, "tag": tag}


def test_documented_learner_lookups(client, learner):
    appr, mail = learner["apprenant"], learner["mail"]
    for url in (
        f"Apprenant?$filter=Code eq '{appr['Code']}'",
        f"Apprenant?$filter=Nom eq '{appr['Nom']}' and Prenoms eq 'Emmanuel'",
        f"Apprenant?$filter=Mail/Adresse eq '{mail['Adresse']}'",
    ):
        r = client.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["@odata.context"].endswith("$metadata#Apprenant")
        assert [v["Id"] for v in body["value"]] == [appr["Id"]]
    r = client.get(f"Mail?$filter=Adresse eq '{mail['Adresse']}'")
    documented = example("Mail", 1)["response"]
    assert r.json()["@odata.context"].endswith("$metadata#Mail")
    assert list(r.json()["value"][0]) == list(documented["value"][0])


def test_percent_encoded_form_from_the_docs(client, server):
    client_row = post(
        client,
        "Client",
        {
            "Nom": "ARTHURO",
            "Prenoms": "Valentin",
            "EntiteJuridiqueId": 2215501,
            "NatureClientId": _first_id(client, "NatureClient"),
            "ReferenceId": 2215158,
        },
    )
    # Sent exactly as the docs write it: %24filter and + for spaces.
    raw = f"{server.root}Client?%24filter=ReferenceId+eq+2215158"
    r = httpx.get(raw, auth=client.auth)
    assert r.status_code == 200, r.text
    assert r.json()["@odata.context"].endswith("$metadata#Client")
    assert client_row["Id"] in [v["Id"] for v in r.json()["value"]]


def _first_id(client, set_name) -> int:
    return client.get(set_name, params={"$top": "1"}).json()["value"][0]["Id"]


def test_parcours_with_periods_as_documented(client):
    """R32: the periods of a voie d'entrée's parcours, by GET /Parcours/{Id}?$expand=ParcoursPeriodes."""
    r = client.get(f"Parcours/{PARCOURS}?$expand=ParcoursPeriodes")
    assert r.status_code == 200
    body = r.json()
    documented = example("Parcours", 1)["response"]
    assert body["@odata.context"].endswith("$metadata#Parcours(ParcoursPeriodes())/$entity")
    assert list(body) == list(documented)
    assert list(body["ParcoursPeriodes"][0]) == list(documented["ParcoursPeriodes"][0])
    assert [p["PeriodeId"] for p in body["ParcoursPeriodes"]] == [
        p["PeriodeId"] for p in documented["ParcoursPeriodes"]
    ]
    assert body["ParcoursPeriodes"][0]["Debut"] == "2023-09-01T00:00:00+02:00"


def test_eligible_sequences_query_as_documented(client, learner):
    """R24, R51: the learner's séquence registrations by ApprenantId, narrowed to type-S séquences."""
    appr = learner["apprenant"]
    s_seq = client.get("Sequence", params={"$filter": "TypeSequence/Code eq 'S'", "$top": "2"}).json()["value"]
    other = client.get("Sequence", params={"$filter": "not startswith(TypeSequence/Code, 'S')", "$top": "2"}).json()[
        "value"
    ]
    assert len(s_seq) == 2 and len(other) == 2
    for seq in s_seq + other:
        post(client, "InscriptionSequence", {"ApprenantId": appr["Id"], "SequenceId": seq["Id"]})
    url = (
        "InscriptionSequence?$expand=Sequence&$select=Sequence"
        f"&$filter=ApprenantId eq {appr['Id']} and startswith(Sequence/TypeSequence/Code, 'S')"
    )
    r = client.get(url)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["@odata.context"].endswith("$metadata#InscriptionSequence(Sequence,Sequence())")
    assert all(list(item) == ["Sequence"] for item in body["value"])
    assert sorted(i["Sequence"]["Id"] for i in body["value"]) == sorted(s["Id"] for s in s_seq)
    documented = next(
        e for e in __import__("conftest").examples("InscriptionSequence") if "$select=Sequence" in e["request"]
    )["response"]["value"][0]["Sequence"]
    # The expanded Sequence has the union of documented properties (X21), in order.
    keys = list(body["value"][0]["Sequence"])
    assert [k for k in keys if k in documented] == list(documented)


def test_navigation_paths(client, learner):
    """Navigation paths, among them Inscription/{Id}/InscriptionPeriodes (R31) and the learner's
    inscriptions by ApprenantId (R29)."""
    appr, mail = learner["apprenant"], learner["mail"]
    r = client.get(f"Apprenant/{appr['Id']}/Mail")
    assert r.status_code == 200
    assert r.json()["@odata.context"].endswith("$metadata#Mail/$entity")
    assert r.json()["Adresse"] == mail["Adresse"]
    ins = post(
        client,
        "Inscription",
        {
            "ApprenantId": appr["Id"],
            "ProgrammeId": PROGRAMME,
            "RegimeInscriptionId": REGIME,
            "RecrutementId": RECRUTEMENT,
            "EtatInscriptionId": ETAT,
            "DateInscription": "2023-11-20T12:00:00.000Z",
        },
    )
    assert ins["DateInscription"] == "2023-11-20T13:00:00+01:00"  # R8
    periods = client.get(f"Parcours/{PARCOURS}/ParcoursPeriodes").json()["value"]
    for p in periods:
        post(
            client,
            "InscriptionPeriode",
            {
                "InscriptionId": ins["Id"],
                "PeriodeId": p["PeriodeId"],
                "LibellePeriode": p["LibellePeriode"],
                "Debut": p["Debut"],
                "Fin": p["Fin"],
                "AnneeScolaire": p["AnneeScolaire"],
                "RegimeInscriptionId": REGIME,
                "EtatInscriptionId": ETAT,
            },
        )
    r = client.get(f"Inscription/{ins['Id']}/InscriptionPeriodes")
    assert r.status_code == 200
    assert r.json()["@odata.context"].endswith("$metadata#InscriptionPeriode")
    assert [p["PeriodeId"] for p in r.json()["value"]] == [p["PeriodeId"] for p in periods]
    assert client.get(f"Inscription/{ins['Id']}/InscriptionPeriodes/$count").text == str(len(periods))
    assert client.get(f"Inscription?$filter=ApprenantId eq {appr['Id']}").json()["value"][0]["Id"] == ins["Id"]
    odata_error(client.get("Inscription/999999999/InscriptionPeriodes"), 404)


@pytest.fixture(scope="module")
def mails(client):
    tag = uid()
    addresses = [f"Alpha.{tag}@x.fr", f"alpha.{tag}@x.fr", f"ÉLÈVE.{tag}@x.fr", f"b_c%.{tag}@x.fr"]
    return tag, {a: post(client, "Mail", {"Adresse": a})["Id"] for a in addresses}


def ids(client, filt: str) -> set[int]:
    r = client.get("Mail", params={"$filter": filt})
    assert r.status_code == 200, (filt, r.text)
    return {v["Id"] for v in r.json()["value"]}


def test_string_semantics_are_the_same_on_every_database(client, mails):
    tag, m = mails
    a_up, a_low, eleve, special = (
        m[f"Alpha.{tag}@x.fr"],
        m[f"alpha.{tag}@x.fr"],
        m[f"ÉLÈVE.{tag}@x.fr"],
        m[f"b_c%.{tag}@x.fr"],
    )
    mine = f"endswith(Adresse, '.{tag}@x.fr')"
    assert ids(client, f"Adresse eq 'alpha.{tag}@x.fr'") == {a_low}  # case-sensitive
    assert ids(client, f"tolower(Adresse) eq 'alpha.{tag}@x.fr'") == {a_up, a_low}
    assert ids(client, f"{mine} and contains(Adresse, 'lpha.')") == {a_up, a_low}
    assert ids(client, f"{mine} and contains(Adresse, 'LPHA')") == set()
    assert ids(client, f"{mine} and startswith(Adresse, 'Al')") == {a_up}
    assert ids(client, f"tolower(Adresse) eq 'élève.{tag}@x.fr'") == {eleve}  # Unicode, not ASCII only
    assert ids(client, f"toupper(Adresse) eq 'ALPHA.{tag.upper()}@X.FR'") == {a_up, a_low}
    assert ids(client, f"{mine} and startswith(Adresse, 'b_c%')") == {special}  # no LIKE wildcards
    assert ids(client, f"{mine} and startswith(Adresse, 'b%')") == set()
    # characters, not UTF-8 bytes: ÉLÈVE has 5 like alpha
    assert ids(client, f"{mine} and length(Adresse) eq {len(f'alpha.{tag}@x.fr')}") == {a_up, a_low, eleve}
    assert ids(client, f"{mine} and indexof(Adresse, 'a.') eq 4") == {a_up, a_low}
    assert ids(client, f"{mine} and substring(Adresse, 1, 4) eq 'lpha'") == {a_up, a_low}
    assert ids(client, f"Id in ({a_up}, {eleve})") == {a_up, eleve}
    assert ids(client, f"Id add 1 eq {a_low + 1} or Id sub 1 eq {eleve - 1}") == {a_low, eleve}
    assert ids(client, f"{mine} and not (Id eq {a_up})") == {a_low, eleve, special}
    assert ids(client, f"Id eq {a_up} and Nom eq ''") == {a_up}
    r = client.get("Mail", params={"$filter": mine, "$orderby": "Adresse desc", "$count": "true"})
    body = r.json()
    assert body["@odata.count"] == 4
    assert [v["Adresse"] for v in body["value"]] == sorted(m, reverse=True)  # code-point order
    assert client.get("Mail/$count", params={"$filter": mine}).text == "4"


def test_dates_in_paris_time(client, learner):
    appr = learner["apprenant"]
    assert appr["DateNaissance"] == "1994-09-01T00:00:00+02:00"
    got = client.get(
        "Apprenant",
        params={
            "$filter": f"Id eq {appr['Id']} and year(DateNaissance) eq 1994 "
            "and month(DateNaissance) eq 9 and day(DateNaissance) eq 1"
        },
    )
    assert [v["Id"] for v in got.json()["value"]] == [appr["Id"]]
    for literal, expected in (
        ("1994-09-01T00:00:00+02:00", True),
        ("1994-08-31T22:00:00Z", True),
        ("1994-09-01T00:00:01+02:00", False),
    ):
        r = client.get("Apprenant", params={"$filter": f"Id eq {appr['Id']} and DateNaissance ge {literal}"})
        assert (len(r.json()["value"]) == 1) is expected, literal


def test_any_all_and_navigation_order(client):
    r = client.get("Parcours", params={"$filter": "ParcoursPeriodes/any(p: p/AnneeScolaire eq 3)"})
    assert PARCOURS in [v["Id"] for v in r.json()["value"]]
    r = client.get("Parcours", params={"$filter": "ParcoursPeriodes/all(p: p/AnneeScolaire le 2)"})
    assert PARCOURS not in [v["Id"] for v in r.json()["value"]]
    r = client.get("Parcours", params={"$filter": f"Id eq {PARCOURS} and ParcoursPeriodes/any()"})
    assert [v["Id"] for v in r.json()["value"]] == [PARCOURS]
    r = client.get("ParcoursPeriode", params={"$filter": f"ParcoursId eq {PARCOURS}", "$orderby": "Periode/Debut desc"})
    assert [v["AnneeScolaire"] for v in r.json()["value"]] == [3, 2, 1]
    r = client.get(
        "ParcoursPeriode", params={"$filter": f"Parcours/Programme/Id eq {PROGRAMME}", "$select": "Id,AnneeScolaire"}
    )
    assert r.json()["value"] and all(list(v) == ["Id", "AnneeScolaire"] for v in r.json()["value"])


def test_nested_expand_options(client):
    r = client.get(
        f"Parcours/{PARCOURS}",
        params={
            "$select": "Nom",
            "$expand": "ParcoursPeriodes($select=Nom,AnneeScolaire;$orderby=AnneeScolaire desc;$top=2;"
            "$expand=Periode($select=Nom))",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["@odata.context"].endswith(
        "$metadata#Parcours(Nom,ParcoursPeriodes(Nom,AnneeScolaire,Periode(Nom)))/$entity"
    )
    assert list(body) == ["@odata.context", "Nom", "ParcoursPeriodes"]
    assert [p["AnneeScolaire"] for p in body["ParcoursPeriodes"]] == [3, 2]
    assert list(body["ParcoursPeriodes"][0]) == ["Nom", "AnneeScolaire", "Periode"]
    assert list(body["ParcoursPeriodes"][0]["Periode"]) == ["Nom"]
    r = client.get(
        "Parcours",
        params={"$filter": f"Id eq {PARCOURS}", "$expand": "ParcoursPeriodes($filter=AnneeScolaire ge 2;$count=true)"},
    )
    item = r.json()["value"][0]
    assert item["ParcoursPeriodes@odata.count"] == 2 and len(item["ParcoursPeriodes"]) == 2


def test_expand_costs_one_statement_per_level(client, server):
    tag = uid()
    periods = client.get("Periode", params={"$top": "3", "$orderby": "Id"}).json()["value"]
    for i in range(50):
        parcours = post(client, "Parcours", {"Nom": f"STMT{tag}-{i:02d}", "ProgrammeId": PROGRAMME})
        for n, p in enumerate(periods[:2]):
            post(
                client, "ParcoursPeriode", {"ParcoursId": parcours["Id"], "PeriodeId": p["Id"], "AnneeScolaire": n + 1}
            )
    query = {
        "$filter": f"startswith(Nom, 'STMT{tag}')",
        "$expand": "ParcoursPeriodes($expand=Periode)",
        "$count": "true",
    }
    with server.count_statements() as statements:
        r = client.get("Parcours", params=query)
    assert r.status_code == 200
    value = r.json()["value"]
    assert len(value) == 50 and all(len(v["ParcoursPeriodes"]) == 2 for v in value)
    assert all(pp["Periode"]["Id"] for v in value for pp in v["ParcoursPeriodes"])
    data = [
        s for s in statements if "scolarite_credential" not in s and s.split()[0].upper() not in ("BEGIN", "COMMIT")
    ]
    # parents, their periods, the periods' Periode, and the count: 4 statements for 50 parents.
    assert len(data) == 4, data
    assert all("WHERE" in s.upper() for s in data)
    assert any("LIMIT" in s.upper() for s in data)  # $top/paging run in SQL


def _bulk_telephones(url: str, marker: str, n: int) -> None:
    async def go():
        db = Database(schema, url)
        entity = schema.entity("Telephone")
        async with db.engine.connect() as raw:
            conn = await raw.execution_options(write=True)
            async with conn.begin():
                for i in range(n):
                    await db.insert(conn, entity, {"Nom": marker, "Code": f"{i:05d}", "Numero": f"06{i:08d}"})
        await db.dispose()

    asyncio.run(go())


def test_server_driven_paging(client, server):
    marker = f"PAGE{uid()}"
    _bulk_telephones(server.database_url, marker, 2500)
    url, seen, pages = f"Telephone?$filter=Nom eq '{marker}'&$count=true", [], 0
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["@odata.count"] == 2500
        seen += [v["Id"] for v in body["value"]]
        pages += 1
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith(server.root)
            assert len(body["value"]) == PAGE_SIZE
    assert pages == 3 and len(seen) == len(set(seen)) == 2500
    # $top larger than a page: the next link carries what remains.
    body = client.get("Telephone", params={"$filter": f"Nom eq '{marker}'", "$top": "1500"}).json()
    assert len(body["value"]) == PAGE_SIZE and "$top=500" in body["@odata.nextLink"]
    rest = client.get(body["@odata.nextLink"]).json()
    assert len(rest["value"]) == 500 and "@odata.nextLink" not in rest
    # Behind a reverse proxy, the link uses the public scheme and host.
    r = client.get(
        "Telephone",
        params={"$filter": f"Nom eq '{marker}'"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.ecole.fr"},
    )
    assert r.json()["@odata.nextLink"].startswith("https://api.ecole.fr/GraphV1/Telephone?")
    assert r.json()["@odata.context"].startswith("https://api.ecole.fr/GraphV1/$metadata#")


def test_select_and_property_access(client, learner):
    appr = learner["apprenant"]
    r = client.get(f"Apprenant/{appr['Id']}", params={"$select": "Prenoms,Nom"})
    assert r.json()["@odata.context"].endswith("$metadata#Apprenant(Prenoms,Nom)/$entity")
    assert list(r.json()) == ["@odata.context", "Nom", "Prenoms"]
    r = client.get(f"Apprenant/{appr['Id']}/Nom")
    assert r.json()["value"] == appr["Nom"]
    assert client.get(f"Apprenant/{appr['Id']}/Nom/$value").text == appr["Nom"]
    assert client.head(f"Apprenant/{appr['Id']}").status_code == 200
    assert client.head("Apprenant/999999999").status_code == 404


def test_typographic_apostrophes(client):
    """’ inside a quoted literal is text (« Voie d’entrée »); the docs' slip of writing
    the quotes themselves typographically (Nom eq ’Dupont’) is read as quotes."""
    voies = client.get("Recrutement").json()["value"]
    name = next(v["Nom"] for v in voies if "\u2019" in v["Nom"])
    r = client.get("Recrutement", params={"$filter": f"Nom eq '{name}'"})
    assert r.status_code == 200 and [v["Nom"] for v in r.json()["value"]] == [name]
    r = client.get("Civilite", params={"$filter": "Code eq \u2019MME\u2019"})
    assert r.status_code == 200 and [c["Code"] for c in r.json()["value"]] == ["MME"]
