"""Reading input files and checking rows (no server): CSV dialects and encodings, .xlsx, headers, dates, keys;
and the journal file."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from scolarite.client import Journal
from scolarite.client.journal import PENDING
from scolarite.client.rows import (
    ConventionRow,
    DossierRow,
    FileError,
    RowInvalid,
    parse_date,
    read_rows,
    read_table,
    row_key,
)
from scolarite.client.workflows import choose_sequence

GOOD = {
    "email": "jean.dupont@ecole.fr",
    "civilite": "M",
    "nom": "DUPONT",
    "prenoms": "Jean",
    "nom_usage": "",
    "prenom_usage": "",
    "date_naissance": "",
    "programme": "PGE",
    "voie_entree": "23-26 Voie d'entrée",
    "regime": "Etudiant",
    "etat_inscription": "Admis",
    "date_inscription": "20/11/2023",
    "societe_facturation": "SOC_FACTU_SCO",
    "nature_client": "APPRENANT",
}


def test_csv_comma_semicolon_bom_and_windows_1252(tmp_path):
    header = "Email;Civilité;NOM;prenoms;programme;Date inscription;extra\n"
    body = 'jean@ecole.fr;M;O\'BRIEN;Seán;PGE;20/11/2023;ignored\n\n"a@b.fr";MME;"DUPONT; fils";Léa;BACH;2024-09-16;\n'
    (tmp_path / "semi.csv").write_bytes(("\ufeff" + header + body).encode("utf-8"))
    (tmp_path / "comma.csv").write_text(
        header.replace(";", ",") + body.replace(";", ",").replace("DUPONT, fils", "DUPONT; fils"), encoding="utf-8"
    )
    (tmp_path / "latin.csv").write_bytes((header + body).encode("cp1252"))
    for name in ("semi.csv", "comma.csv", "latin.csv"):
        columns, rows = read_table(tmp_path / name)
        assert columns == ["email", "civilite", "nom", "prenoms", "programme", "date_inscription", "extra"], name
        assert [r.number for r in rows] == [2, 4], name  # the empty line 3 is skipped; numbers are lines
        assert rows[0].values["nom"] == "O'BRIEN" and rows[0].values["prenoms"] == "Seán", name
        assert rows[1].values["nom"] == "DUPONT; fils" and rows[1].values["email"] == "a@b.fr", name


def test_xlsx_with_real_dates_and_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["  Email ", "date_naissance", "entreprise_siret", "nom"])
    ws.append(["jean@ecole.fr", dt.datetime(2004, 3, 12), 12345678900011, "DUPONT"])
    ws.append([None, None, None, None])
    ws.append(["lea@ecole.fr", "17/06/2003", "98765432100018", "NGUYEN"])
    wb.save(tmp_path / "f.xlsx")
    rows = read_rows(tmp_path / "f.xlsx")
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].values == {
        "email": "jean@ecole.fr",
        "date_naissance": "2004-03-12",
        "entreprise_siret": "12345678900011",
        "nom": "DUPONT",
    }


def test_the_example_xlsx_matches_the_csv():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "examples"
    csv_rows = [DossierRow.parse(r.values, r.number) for r in read_rows(root / "dossiers.csv")]
    xlsx_rows = [DossierRow.parse(r.values, r.number) for r in read_rows(root / "dossiers.xlsx")]
    assert csv_rows == xlsx_rows and len(csv_rows) == 4
    assert (root / "dossiers.xlsx").stat().st_size < 20_000


def test_unreadable_files(tmp_path):
    (tmp_path / "f.json").write_text("{}")
    with pytest.raises(FileError):
        read_rows(tmp_path / "f.json")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FileError):
        read_rows(tmp_path / "empty.csv")
    (tmp_path / "bad.xlsx").write_text("not a zip")
    with pytest.raises(FileError):
        read_rows(tmp_path / "bad.xlsx")


def test_dates():
    assert (
        parse_date("2023-11-20")
        == parse_date("20/11/2023")
        == parse_date("2023-11-20T00:00:00")
        == dt.date(2023, 11, 20)
    )
    assert parse_date("1/2/2024") == dt.date(2024, 2, 1)  # day first
    for bad in ("31/02/2024", "2024-13-01", "20-11-2023", "1er mai", "11/20/2023"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_dossier_row_checks():
    r = DossierRow.parse(GOOD, 2)
    assert r.date_inscription == dt.date(2023, 11, 20) and r.date_naissance is None and r.number == 2
    with pytest.raises(RowInvalid) as exc:
        DossierRow.parse(dict(GOOD, email="jean@", nom="  ", date_inscription="demain", date_naissance="x"))
    assert exc.value.problems == [
        "'email' is not an e-mail address: 'jean@'",
        "'nom' is empty",
        "'date_naissance': 'x' is not a date (write YYYY-MM-DD or DD/MM/YYYY)",
        "'date_inscription': 'demain' is not a date (write YYYY-MM-DD or DD/MM/YYYY)",
    ]
    columns = [c for c in GOOD if c != "regime"]
    with pytest.raises(RowInvalid) as exc:
        DossierRow.parse({k: v for k, v in GOOD.items() if k != "regime"}, 2, columns)
    assert exc.value.problems == ["missing column 'regime'"]
    # optional columns may be absent
    DossierRow.parse(
        {k: v for k, v in GOOD.items() if k not in ("date_naissance", "nom_usage", "prenom_usage")},
        2,
        [c for c in GOOD if c not in ("date_naissance", "nom_usage", "prenom_usage")],
    )
    for bad in ("a b@c.fr", "a@b", "a@@b.fr", "@b.fr"):
        with pytest.raises(RowInvalid):
            DossierRow.parse(dict(GOOD, email=bad))


def test_convention_row_checks():
    base = {
        "email": "a@b.fr",
        "programme": "PGE",
        "type_convention": "STG",
        "entreprise_nom": "X",
        "date_debut": "2024-04-02",
        "date_fin": "30/08/2024",
    }
    r = ConventionRow.parse(dict(base, entreprise_siret="123 456 789 00011"))
    assert r.entreprise_siret == "12345678900011" and r.organisme_financeur == ""
    with pytest.raises(RowInvalid) as exc:
        ConventionRow.parse(dict(base, entreprise_siret="12", date_fin="2024-01-01"))
    assert exc.value.problems == [
        "'entreprise_siret' is not a SIRET (14 digits): '12'",
        "'date_fin' is before 'date_debut'",
    ]


def test_row_keys_are_stable_and_normalised():
    a = DossierRow.parse(GOOD)
    b = DossierRow.parse(dict(GOOD, email=" Jean.Dupont@ECOLE.fr ", programme="pge", nom="AUTRE"))
    assert a.key == b.key == row_key("dossier", "jean.dupont@ecole.fr", "PGE")
    assert a.key != DossierRow.parse(dict(GOOD, programme="BACH")).key


def test_choose_sequence():
    seqs = [
        {"Id": 1, "Debut": "2023-09-01T00:00:00+02:00", "Fin": "2026-08-31T00:00:00+02:00"},
        {"Id": 2, "Debut": "2024-04-01T00:00:00+02:00", "Fin": "2024-08-31T00:00:00+02:00"},
        {"Id": 3, "Debut": "2023-09-01T00:00:00+02:00", "Fin": "2024-08-31T00:00:00+02:00"},
    ]
    assert choose_sequence(seqs, dt.date(2024, 5, 1), dt.date(2024, 8, 1))["Id"] == 2  # the most specific
    assert choose_sequence(seqs, dt.date(2023, 10, 2), dt.date(2024, 8, 30))["Id"] == 3
    assert choose_sequence(seqs, dt.date(2025, 5, 1))["Id"] == 1
    assert choose_sequence(seqs, dt.date(2030, 1, 1))["Id"] == 1  # none covers: the first


def test_journal_file(tmp_path):
    path = Journal.beside(tmp_path / "in.csv")
    assert path.name == "in.csv.journal.sqlite"
    with Journal(path) as j:
        j.intend("k", "email")
        assert j.steps("k") == {"email": PENDING}
        j.record("k", "email", 12)
        j.intend("k", "email")  # an intent never hides a recorded id
        j.record("k", "periods", [1, 2])
        j.finish("k", "dossier", 2, "created", {"email": 12}, None)
    with Journal(path) as j:  # it survives a reopen
        assert j.steps("k") == {"email": 12, "periods": [1, 2]}
        assert j.row("k")["status"] == "created" and j.statuses() == {"created": 1}
