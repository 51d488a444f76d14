"""The query builder: literals are quoted so that no value can change the meaning of a filter."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from scolarite.client import (
    Query,
    and_,
    contains,
    endswith,
    eq,
    ge,
    in_,
    literal,
    lt,
    ne,
    not_,
    or_,
    startswith,
    tolower,
)
from scolarite.client.query import raw


def test_literals():
    assert literal("O'Brien") == "'O''Brien'"
    assert literal("''") == "''''''"
    assert literal("") == "''"
    assert literal(None) == "null"
    assert literal(True) == "true" and literal(False) == "false"
    assert literal(42) == "42" and literal(-3) == "-3"
    assert literal(1.5) == "1.5" and literal(Decimal("12.50")) == "12.50"
    assert literal(dt.date(2023, 11, 20)) == "2023-11-20"
    paris = dt.datetime(2023, 11, 20, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert literal(paris) == "2023-11-20T13:00:00+01:00"
    assert literal(dt.datetime(2023, 11, 20, 12, tzinfo=dt.UTC)) == "2023-11-20T12:00:00Z"
    guid = uuid.UUID("4ad48217-bd62-43bb-82ac-91187c7994ef")
    assert literal(guid) == "4ad48217-bd62-43bb-82ac-91187c7994ef"
    with pytest.raises(ValueError):
        literal(dt.datetime(2023, 11, 20, 12))  # no time zone: ambiguous
    with pytest.raises(TypeError):
        literal(object())


def test_no_injection_through_a_value():
    # The classic attempt: close the string and add a condition.
    q = Query().filter(eq("Nom", "O'Brien' or Id gt 0 or Nom eq '"))
    assert q.params()["$filter"] == "Nom eq 'O''Brien'' or Id gt 0 or Nom eq '''"
    # Parsed back, it is one comparison with one string: the quotes are balanced and all inside the literal.
    text = q.params()["$filter"]
    literal_part = text[len("Nom eq ") :]
    assert literal_part.startswith("'") and literal_part.endswith("'")
    assert "''" in literal_part and literal_part[1:-1].replace("''", "").count("'") == 0


def test_no_injection_through_a_field_name():
    for bad in ("Nom eq 'x' or Id", "Nom)", "1 eq 1", "", "Nom/", "/Nom", "Nom;drop"):
        with pytest.raises(ValueError):
            eq(bad, "x")
    with pytest.raises(ValueError):
        Query().select("Id,Nom")
    with pytest.raises(ValueError):
        Query().orderby("Nom; Id")
    with pytest.raises(TypeError):
        Query().filter("Nom eq 'x'")  # filters are built with the helpers, never by hand


def test_filters_compose():
    f = and_(eq("ApprenantId", 12), or_(eq("ProgrammeId", 1), ne("ProgrammeId", 2)), not_(eq("Actif", False)))
    assert f.text == "(ApprenantId eq 12) and (((ProgrammeId eq 1) or (ProgrammeId ne 2))) and (not (Actif eq false))"
    assert (eq("A", 1) & eq("B", None)).text == "(A eq 1) and (B eq null)"
    assert (eq("A", 1) | ge("B", dt.date(2024, 1, 8))).text == "((A eq 1) or (B ge 2024-01-08))"
    assert (~lt("A", 1)).text == "not (A lt 1)"
    assert startswith("Sequence/TypeSequence/Code", "S").text == "startswith(Sequence/TypeSequence/Code, 'S')"
    assert contains("Nom", "l'u").text == "contains(Nom, 'l''u')"
    assert endswith("Mail/Adresse", "@ecole.fr").text == "endswith(Mail/Adresse, '@ecole.fr')"
    assert eq(tolower("Mail/Adresse"), "o'brien@x.fr").text == "tolower(Mail/Adresse) eq 'o''brien@x.fr'"
    assert in_("MailId", [1, 2, 3]).text == "(MailId eq 1 or MailId eq 2 or MailId eq 3)"
    assert in_("MailId", [7]).text == "MailId eq 7"
    assert in_("MailId", []).text == "false"
    assert raw("Id gt 3").text == "Id gt 3"


def test_query_options():
    q = (
        Query()
        .filter(eq("Mail/Adresse", "jean@ecole.fr"))
        .filter(eq("Actif", True))
        .select("Id", "Code")
        .expand("Mail")
        .expand("Sequence", Query().select("Nom").filter(eq("Code", "S")))
        .orderby("Nom", "Id desc")
        .top(10)
        .skip(20)
        .count()
    )
    assert q.params() == {
        "$filter": "(Mail/Adresse eq 'jean@ecole.fr') and (Actif eq true)",
        "$select": "Id,Code",
        "$expand": "Mail,Sequence($filter=Code eq 'S';$select=Nom)",
        "$orderby": "Nom,Id desc",
        "$top": "10",
        "$skip": "20",
        "$count": "true",
    }
    base = Query().select("Id")
    assert base.top(1).params() == {"$select": "Id", "$top": "1"}
    assert base.params() == {"$select": "Id"}  # immutable
    with pytest.raises(ValueError):
        Query().top(-1)


def test_quoting_survives_the_real_server(client, server):
    """A name with a quote is found exactly, and a value trying to widen the filter finds nothing."""
    from conftest import PASSWORD, USER

    from scolarite.client import GraphV1Client

    tag = uuid.uuid4().hex[:8]
    with GraphV1Client(server.root, user=USER, password=PASSWORD) as api:
        mail = api.create("Mail", {"Adresse": f"o'brien.{tag}@ecole.fr"})
        learner = api.create(
            "Apprenant", {"Nom": f"O'BRIEN-{tag}", "Prenoms": "Seán", "CiviliteId": 1541, "MailId": mail["Id"]}
        )
        found = api.all("Apprenant", Query().filter(eq("Nom", f"O'BRIEN-{tag}")).select("Id"))
        assert [a["Id"] for a in found] == [learner["Id"]]
        assert [a["Id"] for a in api.learners_by_email(f"O'Brien.{tag}@ECOLE.fr")] == [learner["Id"]]
        sneaky = api.all("Apprenant", Query().filter(eq("Nom", "x' or Id gt 0 or Nom eq 'y")).select("Id"))
        assert sneaky == []
