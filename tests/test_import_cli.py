"""``scolarite import dossiers|conventions`` against the test server over real HTTP: the must-hold list of the
importer (complete dossiers, re-runs that create nothing, a SIGKILL mid-run, bad rows, conventions, dry-run)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import PASSWORD, USER, snapshot

from scolarite.client import GraphV1Client, Query, endswith, in_

DOSSIER_HEADER = [
    "email",
    "civilite",
    "nom",
    "prenoms",
    "nom_usage",
    "prenom_usage",
    "date_naissance",
    "programme",
    "voie_entree",
    "regime",
    "etat_inscription",
    "date_inscription",
    "societe_facturation",
    "nature_client",
]
CONVENTION_HEADER = [
    "email",
    "programme",
    "type_convention",
    "entreprise_nom",
    "entreprise_siret",
    "organisme_financeur",
    "date_debut",
    "date_fin",
]

# (programme, voie d'entrée, parcours periods, a convention's dates inside it)
VOIES = [
    ("PGE", "23-26 Voie d'entrée", [1326, 1327, 2215069], ("2024-04-02", "2024-08-30")),
    ("Programme Grande Ecole", "25-28 Voie d’entrée", [2215069, 3000046, 3000047], ("2026-04-02", "2026-08-28")),
    ("BACH", "24-27 voie d'entrée bachelor", [1327, 2215069, 3000046], ("2025-04-02", "2025-08-29")),
]
PROGRAMME_IDS = {"PGE": 2215158, "Programme Grande Ecole": 2215158, "BACH": 3000100}


def dossier_row(i: int, domain: str) -> dict:
    prog, voie, _, _ = VOIES[i % 3]
    return {
        "email": f"eleve{i:03d}@{domain}",
        "civilite": ["M", "MME", "Madame", "monsieur"][i % 4],
        "nom": f"NOM{i:03d}" if i % 7 else f"O'NOM{i:03d}",
        "prenoms": ["Jean", "Léa", "Zoé", "Seán"][i % 4],
        "nom_usage": "" if i % 5 else f"USAGE{i}",
        "prenom_usage": "",
        "date_naissance": ""
        if i % 6 == 0
        else (f"{1 + i % 28:02d}/0{1 + i % 9}/2004" if i % 2 else f"2003-0{1 + i % 9}-{1 + i % 28:02d}"),
        "programme": prog,
        "voie_entree": voie,
        "regime": ["Etudiant", "10", "Apprenti"][i % 3],
        "etat_inscription": ["Admis", "ADM"][i % 2],
        "date_inscription": ["2023-11-20", "20/11/2023", "2024-09-16"][i % 3],
        "societe_facturation": ["SOC_FACTU_SCO", "Ma société de facturation"][i % 2],
        "nature_client": ["APPRENANT", "Particulier"][i % 2],
    }


def write_csv(path: Path, header: list[str], rows: list[dict], delimiter: str = ",", bom: bool = False) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.DictWriter(f, header, delimiter=delimiter, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def cli_env() -> dict:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("SCOLARITE_URL", "SCOLARITE_USER", "SCOLARITE_PASSWORD", "SCOLARITE_API_KEY")
    }


def cli_args(server, kind: str, file: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scolarite.cli",
        "import",
        kind,
        str(file),
        "--url",
        server.root,
        "--user",
        USER,
        "--password",
        PASSWORD,
        *extra,
    ]


def run_cli(server, kind: str, file: Path, *extra: str, expect: int | None = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        cli_args(server, kind, file, *extra), env=cli_env(), capture_output=True, text=True, timeout=300
    )
    if expect is not None:
        assert proc.returncode == expect, (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def read_report(path: Path) -> dict[int, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return {int(r["row"]): r for r in csv.DictReader(f)}


def chunks(items: list, n: int = 40):
    for i in range(0, len(items), n):
        yield items[i : i + n]


def read_dossiers(api: GraphV1Client, domain: str) -> dict:
    """Everything that exists for the addresses of ``domain``, read back through the API."""
    mails = api.all("Mail", Query().filter(endswith("Adresse", f"@{domain}")))
    learners = api.all("Apprenant", Query().filter(endswith("Mail/Adresse", f"@{domain}")).expand("Mail"))
    lids = [a["Id"] for a in learners]
    inscriptions, clients = [], []
    for part in chunks(lids):
        inscriptions += api.all("Inscription", Query().filter(in_("ApprenantId", part)))
        clients += api.all("Client", Query().filter(in_("ReferenceId", part)))
    periods, links = [], []
    for part in chunks([i["Id"] for i in inscriptions]):
        periods += api.all("InscriptionPeriode", Query().filter(in_("InscriptionId", part)))
    for part in chunks([c["Id"] for c in clients]):
        links += api.all("ClientPourAffaire", Query().filter(in_("ClientId", part)))
    return {
        "mails": mails,
        "learners": learners,
        "inscriptions": inscriptions,
        "clients": clients,
        "periods": periods,
        "links": links,
    }


def assert_complete(api: GraphV1Client, domain: str, rows: list[dict]) -> dict:
    """Each row has exactly one complete dossier; nothing else exists for the domain (no duplicate, no orphan)."""
    got = read_dossiers(api, domain)
    by_email = defaultdict(list)
    for a in got["learners"]:
        by_email[a["Mail"]["Adresse"]].append(a)
    assert sorted(by_email) == sorted(r["email"] for r in rows)
    assert all(len(v) == 1 for v in by_email.values()), "a learner was duplicated"
    ins_by_learner = defaultdict(list)
    for i in got["inscriptions"]:
        ins_by_learner[i["ApprenantId"]].append(i)
    periods_by_ins = defaultdict(list)
    for p in got["periods"]:
        periods_by_ins[p["InscriptionId"]].append(p["PeriodeId"])
    clients_by_learner = defaultdict(list)
    for c in got["clients"]:
        clients_by_learner[c["ReferenceId"]].append(c)
    links_by_client = defaultdict(list)
    for link in got["links"]:
        links_by_client[link["ClientId"]].append(link)
    used_mails = Counter()
    for r in rows:
        learner = by_email[r["email"]][0]
        prog, _voie, periods, _ = next(v for v in VOIES if v[0] == r["programme"])
        assert learner["Nom"] == r["nom"] and learner["Prenoms"] == r["prenoms"]
        (ins,) = ins_by_learner[learner["Id"]]
        assert ins["ProgrammeId"] == PROGRAMME_IDS[prog] and ins["AffaireId"]
        assert sorted(periods_by_ins[ins["Id"]]) == sorted(periods), "missing or duplicated periods"
        (client,) = clients_by_learner[learner["Id"]]
        assert client["Code"] == f"411-{learner['Code']}-" and client["MailId"] != learner["MailId"]
        (link,) = links_by_client[client["Id"]]
        assert link["AffaireId"] == ins["AffaireId"] and link["Principal"] is True
        used_mails[learner["MailId"]] += 1
        used_mails[client["MailId"]] += 1
    # every e-mail of the domain is used exactly once, by a learner or its client: no orphan
    assert sorted(m["Id"] for m in got["mails"]) == sorted(used_mails)
    assert set(used_mails.values()) == {1}
    assert len(got["inscriptions"]) == len(rows) and len(got["clients"]) == len(rows)
    return {"by_email": {e: v[0] for e, v in by_email.items()}, "inscriptions": ins_by_learner}


@pytest.fixture(scope="module")
def api(server):
    with GraphV1Client(server.root, user=USER, password=PASSWORD, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def imported(server, tmp_path_factory):
    """The 200-row dossiers file, imported once by the CLI."""
    tmp = tmp_path_factory.mktemp("import200")
    domain = f"i200-{uuid.uuid4().hex[:8]}.fr"
    rows = [dossier_row(i, domain) for i in range(200)]
    path = write_csv(tmp / "dossiers.csv", DOSSIER_HEADER, rows, delimiter=";", bom=True)
    started = time.monotonic()
    proc = run_cli(server, "dossiers", path, "--concurrency", "4")
    return {"path": path, "rows": rows, "domain": domain, "proc": proc, "seconds": time.monotonic() - started}


# ------------------------------------------------------------------------------------------------ 1, 2


def test_200_rows_make_200_complete_dossiers(imported, api):
    report = read_report(imported["path"].with_name("dossiers.csv.report.csv"))
    assert len(report) == 200 and {r["status"] for r in report.values()} == {"created"}
    assert sorted(report) == list(range(2, 202))  # spreadsheet line numbers
    found = assert_complete(api, imported["domain"], imported["rows"])
    # the report's ids are the ones read back
    for number, line in report.items():
        learner = found["by_email"][imported["rows"][number - 2]["email"]]
        assert int(line["learner_id"]) == learner["Id"] and line["learner_code"] == learner["Code"]
        assert len(line["period_link_ids"].split()) == 3 and line["client_affaire_id"]
    out = imported["proc"].stdout
    assert "created" in out and "InscriptionPeriode" in out and "600" in out  # summary table
    assert imported["path"].with_name("dossiers.csv.journal.sqlite").exists()


def test_running_again_creates_nothing(imported, server, api):
    before = snapshot(server.database_url)
    proc = run_cli(server, "dossiers", imported["path"])
    assert snapshot(server.database_url) == before
    report = read_report(imported["path"].with_name("dossiers.csv.report.csv"))
    assert len(report) == 200 and {r["status"] for r in report.values()} == {"already done"}
    assert all(r["created"] == "" for r in report.values())
    assert "already done" in proc.stdout


# --------------------------------------------------------------------------------------------------- 3


def _journal_done(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM rows WHERE status = 'created'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_run_then_resume(server, api, tmp_path):
    domain = f"kill-{uuid.uuid4().hex[:8]}.fr"
    rows = [dossier_row(i, domain) for i in range(60)]
    path = write_csv(tmp_path / "dossiers.csv", DOSSIER_HEADER, rows)
    journal = tmp_path / "dossiers.csv.journal.sqlite"
    proc = subprocess.Popen(
        cli_args(server, "dossiers", str(path), "--concurrency", "4"),
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while _journal_done(journal) < 10:
            assert proc.poll() is None, "the importer ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    done = _journal_done(journal)
    assert 10 <= done < 60, done  # killed mid-run
    partial = read_dossiers(api, domain)  # what the kill left: complete dossiers, maybe half-made ones
    assert done <= len(partial["learners"]) < 60

    run_cli(server, "dossiers", path)
    assert_complete(api, domain, rows)
    report = read_report(tmp_path / "dossiers.csv.report.csv")
    statuses = Counter(r["status"] for r in report.values())
    assert statuses["already done"] >= done and statuses["created"] >= 60 - len(partial["learners"])
    assert set(statuses) <= {"created", "already done"}


# ----------------------------------------------------------------------------------------------- 4, 7

BAD = {  # row index → (change, words of the reason)
    3: ({"programme": "XYZ"}, ["programme 'XYZ' not found", "PGE", "BACH"]),
    7: ({"email": "pas-une-adresse"}, ["'email' is not an e-mail address"]),
    11: ({"date_inscription": "31/02/2024"}, ["date_inscription", "not a date"]),
    15: ({"civilite": "Docteur"}, ["civilité 'Docteur' not found", "MME"]),
    19: ({"programme": "PGE", "voie_entree": "24-27 Voie d'entrée Bachelor"}, ["belongs to programme 'BACH'"]),
    23: ({"nom": ""}, ["'nom' is empty"]),
    27: ({"regime": "Inconnu"}, ["régime 'Inconnu' not found", "10 (Etudiant)"]),
    31: ({"etat_inscription": "Perdu"}, ["état d'inscription 'Perdu' not found"]),
    35: ({"societe_facturation": "Nulle part"}, ["société de facturation 'Nulle part' not found"]),
    39: (
        {"nature_client": "ALIEN", "date_naissance": "1er mai"},
        ["nature de client 'ALIEN' not found", "date_naissance"],
    ),
}


def test_bad_rows_dry_run_then_real_run(server, api, tmp_path):
    domain = f"bad-{uuid.uuid4().hex[:8]}.fr"
    rows = [dossier_row(i, domain) for i in range(50)]
    for i, (change, _) in BAD.items():
        rows[i].update(change)
    path = write_csv(tmp_path / "mixed.csv", DOSSIER_HEADER, rows)
    journal = tmp_path / "mixed.csv.journal.sqlite"

    # 7. --dry-run: nothing written (the database byte for byte, and no journal), the same errors
    before = snapshot(server.database_url)
    proc = run_cli(server, "dossiers", path, "--dry-run", "--report", str(tmp_path / "dry.csv"), expect=1)
    assert snapshot(server.database_url) == before
    assert not journal.exists()
    dry = read_report(tmp_path / "dry.csv")
    assert Counter(r["status"] for r in dry.values()) == {"valid (dry-run)": 40, "failed": 10}
    assert "valid (dry-run)" in proc.stdout

    # 4. the real run imports the 40 good rows and reports the 10 bad ones with their reasons; exit code ≠ 0
    proc = run_cli(server, "dossiers", path, expect=1)
    real = read_report(tmp_path / "mixed.csv.report.csv")
    assert Counter(r["status"] for r in real.values()) == {"created": 40, "failed": 10}
    for i, (_, words) in BAD.items():
        line = real[i + 2]
        assert line["status"] == "failed", line
        for w in words:
            assert w in line["reason"], (w, line["reason"])
        assert line["learner_id"] == "" and line["created"] == ""
        assert dry[i + 2]["reason"] == line["reason"]  # the dry-run said exactly the same
    assert {n for n, r in dry.items() if r["status"] == "failed"} == {
        n for n, r in real.items() if r["status"] == "failed"
    }
    good = [r for i, r in enumerate(rows) if i not in BAD]
    assert_complete(api, domain, good)  # the bad rows created nothing at all (not even an e-mail)
    assert "failed" in proc.stdout


def test_missing_column_fails_once_for_the_file(server, tmp_path):
    """A required column that is absent fails the file once, before any row: one message naming it, exit
    code 2, nothing written, no report of failed rows."""
    domain = f"nocol-{uuid.uuid4().hex[:8]}.fr"
    rows = [dossier_row(i, domain) for i in range(3)]
    path = write_csv(tmp_path / "nocol.csv", [h for h in DOSSIER_HEADER if h != "regime"], rows)
    before = snapshot(server.database_url)
    proc = run_cli(server, "dossiers", path, expect=2)
    assert snapshot(server.database_url) == before
    output = proc.stdout + proc.stderr
    assert output.count("missing column 'regime'") == 1, output
    assert "nocol.csv" in output and "docs/import.md" in output
    assert not (tmp_path / "nocol.csv.report.csv").exists()
    assert not (tmp_path / "nocol.csv.journal.sqlite").exists()
    with GraphV1Client(server.root, user=USER, password=PASSWORD) as api:
        assert api.all("Mail", Query().filter(endswith("Adresse", f"@{domain}"))) == []


def test_a_header_without_rows_says_so(server, tmp_path):
    path = write_csv(tmp_path / "empty.csv", DOSSIER_HEADER, [])
    proc = run_cli(server, "dossiers", path, expect=2)
    assert "empty.csv: the file has a header but no rows" in proc.stdout + proc.stderr
    path = write_csv(tmp_path / "empty-conventions.csv", CONVENTION_HEADER, [])
    proc = run_cli(server, "conventions", path, expect=2)
    assert "has a header but no rows" in proc.stdout + proc.stderr


def test_dry_run_keeps_the_report_of_the_last_real_run(server, tmp_path):
    domain = f"dryrep-{uuid.uuid4().hex[:8]}.fr"
    path = write_csv(tmp_path / "d.csv", DOSSIER_HEADER, [dossier_row(i, domain) for i in range(2)])
    run_cli(server, "dossiers", path)
    real = (tmp_path / "d.csv.report.csv").read_bytes()
    assert {r["status"] for r in read_report(tmp_path / "d.csv.report.csv").values()} == {"created"}
    run_cli(server, "dossiers", path, "--dry-run")
    assert (tmp_path / "d.csv.report.csv").read_bytes() == real
    dry = read_report(tmp_path / "d.csv.dry-run.report.csv")
    assert {r["status"] for r in dry.values()} == {"valid (dry-run)"}


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u2018", "\u02bc", "`"])
def test_voie_d_entree_column_with_any_apostrophe(server, tmp_path, apostrophe):
    """Headers as a school's spreadsheet writes them: 'Voie d'entrée' (any apostrophe), 'Date de naissance'…"""
    domain = f"apos-{uuid.uuid4().hex[:8]}.fr"
    titles = {
        "voie_entree": f"Voie d{apostrophe}entrée",
        "date_naissance": "Date de naissance",
        "email": "E-mail",
        "date_inscription": f"Date d{apostrophe}inscription",
        "nature_client": "Nature du client",
    }
    header = [titles.get(h, h) for h in DOSSIER_HEADER]
    rows = [{titles.get(k, k): v for k, v in dossier_row(i, domain).items()} for i in range(2)]
    path = write_csv(tmp_path / "apos.csv", header, rows)
    run_cli(server, "dossiers", path)
    assert {r["status"] for r in read_report(tmp_path / "apos.csv.report.csv").values()} == {"created"}


# --------------------------------------------------------------------------------------------------- 5


def test_conventions_for_the_imported_learners(imported, server, api, tmp_path):
    learners = imported["rows"]
    types = ["STG", "PRO", "APP", "STA", "Convention de stage"]
    opcas = ["", "ATLAS", "OFP4", "opco ep", "AKTO"]
    rows, expected = [], []
    for k in range(20):
        r = learners[k * 7]
        prog, _, _, (start, end) = next(v for v in VOIES if v[0] == r["programme"])
        row = {
            "email": r["email"].upper() if k % 4 == 0 else r["email"],
            "programme": prog,
            "type_convention": types[k % 5],
            "entreprise_nom": f"Entreprise {k} d'Essai",
            "entreprise_siret": f"{12345678900000 + k:014d}" if k % 2 else "",
            "organisme_financeur": opcas[k % 5],
            "date_debut": start if k % 2 else dt.date.fromisoformat(start).strftime("%d/%m/%Y"),
            "date_fin": end,
        }
        rows.append(row)
        expected.append((r, row))
    bad = [
        {
            "email": learners[1]["email"],
            "programme": "PGE",
            "type_convention": "XXX",
            "entreprise_nom": "Nope",
            "date_debut": "2024-04-02",
            "date_fin": "2024-08-30",
        },
        {
            "email": f"personne@{imported['domain']}",
            "programme": "PGE",
            "type_convention": "STG",
            "entreprise_nom": "Nope",
            "date_debut": "2024-04-02",
            "date_fin": "2024-08-30",
        },
        {
            "email": learners[0]["email"],
            "programme": "BACH",
            "type_convention": "STG",
            "entreprise_nom": "Nope",
            "date_debut": "2024-04-02",
            "date_fin": "2024-08-30",
        },
        {
            "email": learners[3]["email"],
            "programme": "PGE",
            "type_convention": "STG",
            "entreprise_nom": "Nope",
            "organisme_financeur": "Inconnu",
            "date_debut": "2024-08-30",
            "date_fin": "2024-04-02",
        },
    ]
    path = write_csv(tmp_path / "conventions.csv", CONVENTION_HEADER, rows + bad, delimiter=";")
    run_cli(server, "conventions", path, expect=1)
    report = read_report(tmp_path / "conventions.csv.report.csv")
    assert Counter(r["status"] for r in report.values()) == {"created": 20, "failed": 4}
    reasons = [report[n]["reason"] for n in range(22, 26)]
    assert "type de convention 'XXX' not found" in reasons[0] and "STG" in reasons[0]
    assert "no learner with the e-mail" in reasons[1]
    assert "has no inscription in programme 'BACH'" in reasons[2] and "PGE" in reasons[2]
    assert "'date_fin' is before 'date_debut'" in reasons[3]

    type_ids = {t["Code"]: t["Id"] for t in api.all("TypeConvention")} | {"Convention de stage": 334222}
    opca_ids = {"ATLAS": 2214795, "OFP4": 2217200, "opco ep": 2217200, "AKTO": 2214779}
    for n, (dossier, row) in enumerate(expected, start=2):
        line = report[n]
        learner = api.learners_by_email(dossier["email"])[0]
        (conv,) = api.all("Convention", Query().filter(in_("ApprenantId", [learner["Id"]])))
        assert int(line["convention_id"]) == conv["Id"] and conv["Code"].startswith("CS")
        assert conv["TypeConventionId"] == type_ids[row["type_convention"]]
        # the séquence: one of the inscription's type-S séquences by the documented query, covering the dates
        (ins,) = api.all("Inscription", Query().filter(in_("ApprenantId", [learner["Id"]])))
        eligible = {s["Id"]: s for s in api.eligible_sequences(ins["Id"])}
        assert conv["SequenceId"] in eligible and int(line["sequence_id"]) == conv["SequenceId"]
        seq = api.get("Sequence", conv["SequenceId"], Query().expand("TypeSequence"))
        assert seq["TypeSequence"]["Code"].startswith("S")
        start, end = dt.date.fromisoformat(VOIES_BY[row["programme"]][0]), dt.date.fromisoformat(row["date_fin"])
        assert seq["Debut"][:10] <= start.isoformat() and end.isoformat() <= seq["Fin"][:10]
        assert conv["DateDebut"].startswith(start.isoformat()) and conv["DateFin"].startswith(row["date_fin"])
        # its own entreprise, with the SIRET when given
        ent = api.get("Entreprise", conv["EntrepriseId"])
        assert ent["Nom"] == row["entreprise_nom"] and ent["SIRET"] == row["entreprise_siret"]
        # the organisme financeur, when given
        links = api.all("ConventionOrganismeFinanceur", Query().filter(in_("ConventionId", [conv["Id"]])))
        if row["organisme_financeur"]:
            assert [x["OrganismeFinanceurId"] for x in links] == [opca_ids[row["organisme_financeur"]]]
        else:
            assert links == []
        # the affaire was synchronised: the entreprise's billing client exists
        assert any(c["EntrepriseId"] == ent["Id"] for c in api.clients_of(conv["Id"]))

    # again: nothing to do, nothing written
    before = snapshot(server.database_url)
    run_cli(server, "conventions", path, expect=1)
    assert snapshot(server.database_url) == before
    again = read_report(tmp_path / "conventions.csv.report.csv")
    assert Counter(r["status"] for r in again.values()) == {"already done": 20, "failed": 4}


VOIES_BY = {v[0]: v[3] for v in VOIES}


# ------------------------------------------------------------------------------------------- examples


def test_the_examples_import_against_the_demo_data(server, api, tmp_path):
    root = Path(__file__).resolve().parent.parent / "examples"

    def out(name: str) -> list[str]:
        return ["--journal", str(tmp_path / f"{name}.sqlite"), "--report", str(tmp_path / f"{name}.csv")]

    run_cli(server, "dossiers", root / "dossiers.csv", *out("d"))
    assert {r["status"] for r in read_report(tmp_path / "d.csv").values()} == {"created"}
    # the .xlsx holds the same rows: all already done
    run_cli(server, "dossiers", root / "dossiers.xlsx", *out("x"))
    x = read_report(tmp_path / "x.csv")
    assert len(x) == 4 and {r["status"] for r in x.values()} == {"already done"}
    run_cli(server, "conventions", root / "conventions.csv", *out("c"))
    assert {r["status"] for r in read_report(tmp_path / "c.csv").values()} == {"created"}


# ------------------------------------------------------------------------------------------ CLI options


def test_environment_api_key_and_fatal_errors(server, api_key, tmp_path, monkeypatch):
    """The Typer app in-process: settings from the environment, X-ApiKey, and exit code 2 when nothing can be
    done (no URL, refused credentials)."""
    from typer.testing import CliRunner

    from scolarite.cli import app

    domain = f"env-{uuid.uuid4().hex[:8]}.fr"
    path = write_csv(tmp_path / "d.csv", DOSSIER_HEADER, [dossier_row(i, domain) for i in range(3)])
    runner = CliRunner()
    for k in ("SCOLARITE_URL", "SCOLARITE_USER", "SCOLARITE_PASSWORD", "SCOLARITE_API_KEY"):
        monkeypatch.delenv(k, raising=False)
    result = runner.invoke(app, ["import", "dossiers", str(path)])
    assert result.exit_code == 2 and "SCOLARITE_URL" in result.output

    env = {"SCOLARITE_URL": server.base, "SCOLARITE_API_KEY": api_key}
    before = snapshot(server.database_url)
    result = runner.invoke(app, ["import", "dossiers", str(path), "--dry-run", "-j", "2"], env=env)
    assert result.exit_code == 0, result.output
    assert snapshot(server.database_url) == before
    assert {r["status"] for r in read_report(tmp_path / "d.csv.dry-run.report.csv").values()} == {"valid (dry-run)"}

    result = runner.invoke(
        app,
        ["import", "dossiers", str(path), "--report", str(tmp_path / "r.csv")],
        env={**env, "SCOLARITE_API_KEY": "not-a-key"},
    )
    assert result.exit_code == 2 and "cannot read the referentials" in result.output
    report = read_report(tmp_path / "r.csv")
    assert len(report) == 3 and all("the API key is not valid" in r["reason"] for r in report.values()), report
    assert snapshot(server.database_url) == before
    assert not (tmp_path / "d.csv.journal.sqlite").exists()  # neither the dry run nor the refused run made one
