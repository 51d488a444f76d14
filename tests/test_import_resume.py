"""The workflows as library functions, against the real server: the crash windows a SIGKILL can leave (an object
created on the server, its id never recorded), journal ids that must not be trusted blindly, a row that fails
mid-way, and the async client driving the same workflow."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from conftest import PASSWORD, USER, snapshot

from scolarite.client import (
    ALREADY_DONE,
    CREATED,
    FAILED,
    VALID,
    AsyncGraphV1Client,
    GraphV1Client,
    Journal,
    Query,
    Resolver,
    RowFailed,
    create_convention,
    create_dossier,
    eq,
)


@pytest.fixture(scope="module")
def api(server):
    with GraphV1Client(server.root, user=USER, password=PASSWORD) as c:
        yield c


@pytest.fixture(scope="module")
def resolver(api):
    r = Resolver()
    api.run(r.load())
    return r


def row(email: str, **changes) -> dict:
    base = {
        "email": email,
        "civilite": "MME",
        "nom": "REPRISE",
        "prenoms": "Inès",
        "nom_usage": "",
        "prenom_usage": "",
        "date_naissance": "2004-02-29",
        "programme": "PGE",
        "voie_entree": "23-26 Voie d'entrée",
        "regime": "Etudiant",
        "etat_inscription": "Admis",
        "date_inscription": "2023-11-20",
        "societe_facturation": "SOC_FACTU_SCO",
        "nature_client": "APPRENANT",
    }
    base.update(changes)
    return base


def email() -> str:
    return f"reprise.{uuid.uuid4().hex[:10]}@ecole.fr"


def mails_of(api, address):
    return api.all("Mail", Query().filter(eq("Adresse", address)).orderby("Id"))


def test_complete_dossier_and_its_ids(api, resolver, tmp_path):
    address = email()
    with Journal(tmp_path / "j.sqlite") as journal:
        result = create_dossier(api, row(address), journal, resolver=resolver, number=2)
        assert result.status == CREATED and result.ok and result.number == 2
        assert set(result.created) == {
            "Mail",
            "Apprenant",
            "Inscription",
            "InscriptionPeriode",
            "Client",
            "ClientPourAffaire",
        }
        learner = api.get("Apprenant", result.ids["learner"])
        assert learner["MailId"] == result.ids["email"] and learner["DateNaissance"].startswith("2004-02-29")
        assert learner["NomUsage"] == "REPRISE" and learner["PrenomUsage"] == "Inès"
        assert [p["Id"] for p in api.inscription_periods(result.ids["inscription"])] == result.ids["periods"]
        assert journal.row(result.key)["status"] == CREATED
        again = create_dossier(api, row(address), journal, resolver=resolver)
        assert again.status == ALREADY_DONE and again.ids == result.ids and again.created == {}


def test_killed_after_creating_the_email(api, resolver, tmp_path, server):
    """The e-mail exists on the server, the journal only has the intent: it is reused, not duplicated."""
    address = email()
    r = row(address)
    mail = api.create("Mail", {"Adresse": address, "IsDuplicate": False})
    with Journal(tmp_path / "j.sqlite") as journal:
        from scolarite.client.rows import DossierRow

        journal.intend(DossierRow.parse(r).key, "email")
        result = create_dossier(api, r, journal, resolver=resolver)
    assert result.status == CREATED and result.ids["email"] == mail["Id"]
    assert result.created["Mail"] == [result.ids["client_email"]]  # only the client's copy is new
    assert [m["Id"] for m in mails_of(api, address)] == [mail["Id"], result.ids["client_email"]]


def test_killed_after_creating_the_client_email(api, resolver, tmp_path):
    """A learner with its inscription, and the client's e-mail created but not recorded: it becomes the client's."""
    address = email()
    r = row(address)
    partial = create_dossier(api, r, None, resolver=resolver)
    # undo the client and its link, keep its e-mail: what a kill just after the e-mail's creation leaves
    api.delete("ClientPourAffaire", partial.ids["client_affaire"])
    api.delete("Client", partial.ids["client"])
    with Journal(tmp_path / "j.sqlite") as journal:
        result = create_dossier(api, r, journal, resolver=resolver)
    assert result.status == CREATED and set(result.created) == {"Client", "ClientPourAffaire"}
    assert result.ids["client_email"] == partial.ids["client_email"]
    assert len(mails_of(api, address)) == 2


def test_periods_missing_are_completed(api, resolver):
    address = email()
    first = create_dossier(api, row(address), None, resolver=resolver)
    for link in first.ids["periods"][1:]:
        api.delete("InscriptionPeriode", link)
    result = create_dossier(api, row(address), None, resolver=resolver)
    assert result.status == CREATED and set(result.created) == {"InscriptionPeriode"}
    assert len(result.created["InscriptionPeriode"]) == 2
    assert {p["PeriodeId"] for p in api.inscription_periods(first.ids["inscription"])} == {1326, 1327, 2215069}


def test_journal_ids_are_verified(api, resolver, tmp_path):
    """A recorded e-mail id that is now another address's (or gone) is not reused."""
    address = email()
    r = row(address)
    other = api.create("Mail", {"Adresse": f"autre.{uuid.uuid4().hex[:8]}@ecole.fr"})
    from scolarite.client.rows import DossierRow

    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record(DossierRow.parse(r).key, "email", other["Id"])
        journal.record(DossierRow.parse(r).key, "learner", 999999999)
        result = create_dossier(api, r, journal, resolver=resolver)
    assert result.status == CREATED and result.ids["email"] != other["Id"]
    assert api.get("Apprenant", result.ids["learner"])["MailId"] == result.ids["email"]


def test_a_row_failing_midway_reports_what_exists(api, tmp_path, server):
    """The server refuses the client: the row fails, says why, and lists the ids that exist; a later run with the
    problem fixed completes it without duplicating anything."""
    address = email()
    broken = Resolver()
    api.run(broken.load())
    broken.rows["nature_client"] = [{"Id": 999999998, "Code": "FANTOME", "Nom": "Fantôme"}]
    with Journal(tmp_path / "j.sqlite") as journal:
        failed = create_dossier(api, row(address, nature_client="FANTOME"), journal, resolver=broken)
        assert failed.status == FAILED and not failed.ok
        assert failed.reason.startswith("creating the client: ") and "NatureClientId" in failed.reason
        assert set(failed.ids) >= {"email", "learner", "inscription", "affaire", "periods", "client_email"}
        assert "client" not in failed.ids
        assert journal.row(failed.key)["status"] == FAILED and journal.row(failed.key)["ids"]["learner"]
        with pytest.raises(RowFailed):
            failed.raise_for_status()
        fixed = create_dossier(
            api, row(address, nature_client="FANTOME"), journal, resolver=_with_nature(api, "FANTOME", 2214750)
        )
    assert fixed.status == CREATED and set(fixed.created) == {"Client", "ClientPourAffaire"}
    assert fixed.ids["client_email"] == failed.ids["client_email"]  # the journal's e-mail, verified and reused
    assert len(mails_of(api, address)) == 2 and len(api.clients_of(failed.ids["learner"])) == 1


def _with_nature(api, code, real_id):
    r = Resolver()
    api.run(r.load())
    r.rows["nature_client"] = [{"Id": real_id, "Code": code, "Nom": code}]
    return r


def test_unresolvable_row_creates_nothing(api, resolver, server):
    before = snapshot(server.database_url)
    result = create_dossier(api, row(email(), programme="XYZ", regime="Inconnu"), None, resolver=resolver)
    assert result.status == FAILED and result.ids == {} and result.created == {}
    assert "programme 'XYZ' not found (known: PGE, BACH (Bachelor)" in result.reason
    assert "régime 'Inconnu' not found" in result.reason
    assert snapshot(server.database_url) == before


def test_dry_run_performs_only_reads(api, resolver, server):
    before = snapshot(server.database_url)
    result = create_dossier(api, row(email()), None, resolver=resolver, dry_run=True)
    assert result.status == VALID and result.created == {}
    assert snapshot(server.database_url) == before


def test_convention_crash_window_and_rerun(api, resolver, tmp_path):
    """Killed after creating the entreprise (intent only): the same-named free entreprise is reused."""
    address = email()
    create_dossier(api, row(address), None, resolver=resolver).raise_for_status()
    conv_row = {
        "email": address,
        "programme": "PGE",
        "type_convention": "PRO",
        "entreprise_nom": "Reprise & Fils",
        "entreprise_siret": "",
        "organisme_financeur": "",
        "date_debut": "2023-10-02",
        "date_fin": "2024-08-30",
    }
    from scolarite.client.rows import ConventionRow

    key = ConventionRow.parse(conv_row).key
    ent = api.create("Entreprise", {"Nom": "Reprise & Fils"})
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.intend(key, "entreprise")
        result = create_convention(api, conv_row, journal, resolver=resolver)
        assert result.status == CREATED and result.ids["entreprise"] == ent["Id"]
        assert set(result.created) == {"Convention"}
        conv = api.get("Convention", result.ids["convention"])
        assert conv["EntrepriseId"] == ent["Id"] and conv["DateDebut"].startswith("2023-10-02")
        assert conv["SequenceId"] == 3000604  # the professionalisation séquence covering the dates
        again = create_convention(api, conv_row, journal, resolver=resolver)
        assert again.status == ALREADY_DONE and again.ids == result.ids
    # a second convention of the same learner, type and séquence but another entreprise is another convention
    other = create_convention(api, dict(conv_row, entreprise_nom="Autre SARL"), None, resolver=resolver)
    assert other.status == CREATED and other.ids["convention"] != result.ids["convention"]


def test_async_client_runs_the_same_workflows(server, api_key):
    address = email()

    async def go():
        async with AsyncGraphV1Client(server.root, api_key=api_key) as a:
            r = Resolver()
            await a.run(r.load())
            results = await asyncio.gather(
                create_dossier(a, row(address), resolver=r),
                create_dossier(a, row(email(), programme="XYZ"), resolver=r),
            )
            again = await create_dossier(a, row(address), resolver=r)
            return results, again

    (made, bad), again = asyncio.run(go())
    assert made.status == CREATED and bad.status == FAILED and again.status == ALREADY_DONE
