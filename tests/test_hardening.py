"""Hardening, one test per finding of the outside review (issue 12): secrets are write-only, every query
dimension has a limit named in its refusal, long expressions never overflow the stack, strings have a
MaxLength, and no database or parser message reaches a client."""

from __future__ import annotations

import asyncio
import logging
import uuid

import httpx
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, USER, Server, created, example, odata_error

from scolarite.model import schema
from scolarite.store import migrate
from scolarite.store.db import Database


def _db_values(url: str, needle: str) -> list[tuple[str, str]]:
    """Every (table, column) of the database whose text holds ``needle``."""

    async def go():
        db = Database(schema, url)
        found = []
        try:
            async with db.engine.connect() as conn:
                for name, table in db.metadata.tables.items():
                    for row in (await conn.execute(sa.select(table))).all():
                        for column, value in zip(table.columns, row, strict=False):
                            if needle in str(value):
                                found.append((name, column.name))
        finally:
            await db.dispose()
        return found

    return asyncio.run(go())


def _user_body(password: str) -> dict:
    body = dict(example("User")["request_body"])
    body["Login"] = f"u-{uuid.uuid4().hex[:10]}@ecole.fr"
    body["Password"] = password
    return body


# -- 1. secrets are write-only ------------------------------------------------------------------


def test_passwords_are_never_stored_shown_or_searchable(client, server, caplog):
    """POST, GET, PUT, PATCH of User and Candidat with clear passwords: no response, log line or column holds
    them; they cannot be filtered, sorted or selected; a full update that sends back the null a GET shows keeps
    the stored hash, a new value replaces it."""
    canary = f"PlainText-Secret-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    user = created(client.post("User", json=_user_body(canary)))
    assert user["Password"] is None and canary not in str(user)
    read = client.get(f"User/{user['Id']}").json()
    assert read["Password"] is None
    assert client.get(f"User({user['Id']})/Password").json()["value"] is None
    for query in (
        {"$filter": "Password eq 'guess'"},
        {"$orderby": "Password"},
        {"$select": "Password"},
        {"$filter": "startswith(Password,'$argon2')"},
    ):
        err = odata_error(client.get("User", params=query), 400)
        assert "write-only" in err["message"], err
    stored = _db_values(server.database_url, "$argon2")
    assert ("User", "Password") in stored

    # A full update sending back what a GET shows (null) keeps the hash; a new password replaces it.
    full = {k: v for k, v in read.items() if not k.startswith("@")}
    full["Prenom"] = "Michel-Ange"
    assert client.put(f"User/{user['Id']}", json=full).status_code == 200
    second = f"Second-Secret-{uuid.uuid4().hex}"
    assert client.patch(f"User/{user['Id']}", json={"Password": second}).json()["Password"] is None

    candidat = _candidat_body(client)
    candidat["Password"] = canary
    made = created(client.post("Candidat", json=candidat))
    assert made["Password"] == ""  # as documented: "" in the response
    assert client.get(f"Candidat/{made['Id']}").json()["Password"] == ""

    for secret in (canary, second):
        assert _db_values(server.database_url, secret) == [], "a password is stored in clear"
        server_lines = [r for r in caplog.records if r.name.startswith(("scolarite", "uvicorn", "sqlalchemy"))]
        assert not [r for r in server_lines if secret in r.getMessage()], "a password is in a log line"


def _candidat_body(client) -> dict:
    mail = created(client.post("Mail", json={"Adresse": f"cand-{uuid.uuid4().hex[:8]}@ecole.fr"}))
    return {"Nom": "Dupont", "Login": mail["Adresse"], "Prenoms": "Jean", "MailId": mail["Id"]}


def test_clear_passwords_of_an_existing_database_are_hashed_by_the_migration(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    canary = f"OldClear-{uuid.uuid4().hex}"

    async def go():
        db = Database(schema, url)
        try:
            await migrate.upgrade(db, "0006")
            async with db.engine.begin() as conn:
                await conn.exec_driver_sql(
                    'INSERT INTO "User" ("Id", "Nom", "Login", "Password", "Prenom", "Mail", "ProfilUser", "Actif", '
                    "\"TypeAuthentification\", \"_deleted\") VALUES (900001, 'N', 'old', ?, 'P', 'm@x.fr', 2, 1, "
                    "'Standalone', 0)",
                    (canary,),
                )
            await migrate.upgrade(db)
            async with db.engine.connect() as conn:
                return (await conn.exec_driver_sql('SELECT "Password" FROM "User" WHERE "Id" = 900001')).scalar_one()
        finally:
            await db.dispose()

    try:
        stored = asyncio.run(go())
    except sa.exc.OperationalError as exc:  # the old table's columns, should they differ
        pytest.fail(f"could not set up an old database: {exc}")
    assert stored.startswith("$argon2") and canary not in stored


# -- 2. query limits -------------------------------------------------------------------------------


def _nested_star(levels: int) -> str:
    text = "*"
    for _ in range(levels):
        text = f"*($expand={text})"
    return text


def test_the_expand_bomb_is_refused_before_any_read(client):
    err = odata_error(client.get("Inscription", params={"$top": "1000", "$expand": _nested_star(10)}), 400)
    assert "SCOLARITE_MAX_EXPAND_DEPTH" in err["message"] and err["code"] == "QueryLimitExceeded"
    # 30 alternating levels: refused at the fourth, without walking the rest.
    alternating = "Apprenant($expand=" * 30 + "Civilite" + ")" * 30
    err = odata_error(client.get("Inscription", params={"$expand": alternating}), 400)
    assert "SCOLARITE_MAX_EXPAND_DEPTH" in err["message"] or "not a navigation" in err["message"], err
    err = odata_error(client.get("Inscription", params={"$expand": "*($expand=*($expand=*))"}), 400)
    assert "SCOLARITE_MAX_EXPAND_NAVIGATIONS" in err["message"]
    # What the documented queries need still works.
    assert client.get("Parcours/2215168", params={"$expand": "ParcoursPeriodes"}).status_code == 200


@pytest.mark.parametrize(
    "build",
    [
        lambda: " or ".join(["Id eq 1"] * 321),
        lambda: "not " * 320 + "(Id eq 1)",
        lambda: "Id" + " add 1" * 477 + " eq 3",
        lambda: "(" * 3000 + "Id eq 1" + ")" * 3000,
        lambda: "Id in (" + ",".join(str(i) for i in range(2000)) + ")",
    ],
    ids=["321-or", "320-not", "477-add", "3000-parentheses", "2000-in"],
)
def test_long_expressions_are_refused_with_the_limit_named(client, build):
    err = odata_error(client.get("Mail", params={"$filter": build()}), 400)
    assert "SCOLARITE_MAX_FILTER" in err["message"] or "SCOLARITE_MAX_QUERY_BYTES" in err["message"], err


def test_a_long_chain_of_or_within_the_limits_compiles_flat(client):
    mail = created(client.post("Mail", json={"Adresse": f"flat-{uuid.uuid4().hex[:8]}@ecole.fr"}))
    text = " or ".join(f"Id eq {mail['Id'] + i}" for i in range(200))
    found = client.get("Mail", params={"$filter": text})
    assert found.status_code == 200, found.text
    assert [m["Id"] for m in found.json()["value"]][:1] == [mail["Id"]]


def test_a_query_string_over_its_limit_is_refused(client):
    err = odata_error(client.get("Mail", params={"$filter": "Adresse eq '" + "x" * 20_000 + "'"}), 400)
    assert "SCOLARITE_MAX_QUERY_BYTES" in err["message"]


def test_lambdas_nest_two_levels_at_most(client):
    ok = client.get("Inscription", params={"$filter": "InscriptionPeriodes/any(p: p/PeriodeId gt 0)"})
    assert ok.status_code == 200, ok.text
    deep = "Apprenant/Inscriptions/any(a: a/InscriptionPeriodes/any(b: b/Inscription/InscriptionPeriodes/any(c: true)))"
    response = client.get("Inscription", params={"$filter": deep})
    assert response.status_code == 400


@pytest.fixture(scope="module")
def tight(database_url, api_key):
    """A server with small expansion and response limits."""
    from scolarite.odata.limits import Limits

    srv = Server(database_url, limits=Limits(max_expanded_entities=3, max_response_bytes=1_000)).start()
    yield srv
    srv.stop()


def test_expanded_entities_and_response_size_have_ceilings(tight):
    with httpx.Client(base_url=tight.root, auth=(USER, PASSWORD), timeout=30) as c:
        err = odata_error(c.get("Parcours", params={"$expand": "ParcoursPeriodes"}), 400)
        assert "SCOLARITE_MAX_EXPANDED_ENTITIES" in err["message"]
        assert c.get("Parcours", params={"$expand": "ParcoursPeriodes($top=1)", "$top": "1"}).status_code == 200
        err = odata_error(c.get("Pays"), 400)
        assert "SCOLARITE_MAX_RESPONSE_BYTES" in err["message"]
        assert c.get("Pays", params={"$top": "2", "$select": "Id"}).status_code == 200


# -- 3. no database message reaches a client; strings have a MaxLength ---------------------------------


@pytest.mark.parametrize(
    "text",
    ["substring(Adresse,2147483648) eq 'x'", "substring(Adresse,1,4294967296) eq 'x'", "substring(Adresse,-1) eq 'x'"],
)
def test_function_arguments_are_range_checked(client, text):
    err = odata_error(client.get("Mail", params={"$filter": text}), 400)
    assert "out of range" in err["message"]


def test_arithmetic_overflow_is_a_400_in_our_words(client, server):
    mail = created(client.post("Mail", json={"Adresse": f"ovf-{uuid.uuid4().hex[:8]}@ecole.fr"}))
    response = client.get("Mail", params={"$filter": f"Id add 9223372036854775807 gt 0 and Id eq {mail['Id']}"})
    assert response.status_code in (200, 400), response.text  # SQLite computes it in floating point
    if response.status_code == 400:
        message = response.json()["error"]["message"]
        assert "out of range" in message and "bigint" not in message


def test_parser_internals_never_reach_a_message(client):
    for text in ["CASE WHEN 1", "Nom eq", "Id eq 1 or", "))((", "Nom eq 'x' WHEN"]:
        message = odata_error(client.get("Mail", params={"$filter": text}), 400)["message"]
        assert "Identifier(" not in message and "namespace" not in message and "Token" not in message, message


def test_strings_have_a_max_length_declared_and_enforced(client):
    err = odata_error(client.post("Mail", json={"Adresse": "a" * 1_000_000 + "@ecole.fr"}), 400)
    assert "Adresse" in err["message"] and "at most 254" in err["message"]
    err = odata_error(
        client.post("Mail", json={"Adresse": f"n-{uuid.uuid4().hex[:6]}@ecole.fr", "Nom": "N" * 256}), 400
    )
    assert "Nom" in err["message"] and "at most 255" in err["message"]
    assert (
        client.post("Mail", json={"Adresse": f"n-{uuid.uuid4().hex[:6]}@ecole.fr", "Nom": "N" * 255}).status_code == 201
    )
    metadata = client.get("$metadata").text
    assert 'Name="Adresse" Type="Edm.String" Nullable="false" MaxLength="254"' in metadata or (
        'Name="Adresse"' in metadata and 'MaxLength="254"' in metadata
    )


def test_bodies_that_would_decode_into_millions_of_objects_are_refused(client):
    err = odata_error(client.post("Mail", content=b'{"Nom": [' + b"[]," * 200_000 + b"[]]}"), 400)
    assert "SCOLARITE_MAX_BODY_ITEMS" in err["message"]
    err = odata_error(client.post("Mail", json={f"k{i}": i for i in range(5_000)}), 400)
    assert "5,000 members" in err["message"]


def test_error_messages_quote_a_client_value_short(client):
    huge = "x" * 1_000_000
    response = client.post("Mail", json={huge: 1, "Adresse": f"q-{uuid.uuid4().hex[:6]}@ecole.fr"})
    err = odata_error(response, 400)
    assert len(response.content) < 2_000 and "has no property named" in err["message"]
    response = client.post("User", json={**_user_body("x"), "TypeAuthentification": huge})
    assert odata_error(response, 400) and len(response.content) < 2_000
