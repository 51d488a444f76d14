"""Input rows: reading ``.csv`` / ``.xlsx`` files, and checking each row before anything is written.

Columns are found by header name, in any order; extra columns are ignored.  Names
are compared trimmed, case- and accent-insensitive, with spaces, dashes and
apostrophes read as ``_`` and the little words of French names left out
(``Civilité`` and ``civilite`` are the same column, so are ``Voie d'entrée`` and
``voie_entree``): :func:`header_key`.  A row's problems are all reported at once,
in plain words.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOSSIER_COLUMNS = (
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
)
DOSSIER_OPTIONAL = frozenset({"date_naissance", "nom_usage", "prenom_usage"})
CONVENTION_COLUMNS = (
    "email",
    "programme",
    "type_convention",
    "entreprise_nom",
    "entreprise_siret",
    "organisme_financeur",
    "date_debut",
    "date_fin",
)
CONVENTION_OPTIONAL = frozenset({"entreprise_siret", "organisme_financeur"})

# The same rule as the server's (R12): one @, no space, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class FileError(Exception):
    """The file cannot be read at all (unknown format, no header…)."""


class RowInvalid(Exception):
    """A row that cannot be imported as it is; ``problems`` are plain sentences."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# Every kind of apostrophe a spreadsheet may hold: ASCII, typographic (’ ‘), the modifier letter (ʼ), the
# grave and acute accents and the prime that keyboards and autocorrect put in their place.
APOSTROPHES = "'\u2019\u2018\u02bc`\u00b4\u2032"
_APOSTROPHE = re.compile(f"[{APOSTROPHES}]")
# Little French words that a column name may or may not spell out ("Date de naissance", "Voie d'entrée",
# "Nature du client"): they are not part of any column's name.
_LINK_WORDS = frozenset({"d", "de", "des", "du", "l", "la", "le", "les"})
# Other names people give the same column.
_ALIASES = {
    "e_mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse_email": "email",
    "adresse_e_mail": "email",
    "adresse_mail": "email",
    "prenom": "prenoms",
}


def header_key(name: Any) -> str:
    """The column a header names: ``Voie d'entrée``, ``Voie d’entrée``, ``VOIE ENTREE`` and ``voie_entree``
    are all ``voie_entree``; ``Date de naissance`` is ``date_naissance``; ``E-mail`` is ``email``."""
    text = _APOSTROPHE.sub(" ", str(name or ""))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[\s\-_]+", text.strip().lower()) if w and w not in _LINK_WORDS]
    key = "_".join(words)
    return _ALIASES.get(key, key)


@dataclass
class SourceRow:
    number: int  # the line of the spreadsheet (the header is line 1)
    values: dict[str, str]  # header_key → trimmed text


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: str | Path) -> list[SourceRow]:
    """The data rows of a ``.csv`` (UTF-8 with or without BOM, else Windows-1252; ``,`` ``;`` or tab,
    sniffed) or ``.xlsx`` file (its first sheet).  Empty rows are skipped."""
    return read_table(path)[1]


def read_table(path: str | Path) -> tuple[list[str], list[SourceRow]]:
    """``(normalised header names, data rows)`` of a file (see :func:`read_rows`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        table = _read_csv(path)
    else:
        raise FileError(f"{path.name}: unknown format {suffix or '(none)'}; give a .csv or .xlsx file")
    header_at = next((i for i, (_, cells) in enumerate(table) if any(_cell_text(c) for c in cells)), None)
    if header_at is None:
        raise FileError(f"{path.name}: the file is empty")
    _, header = table[header_at]
    keys = [header_key(h) for h in header]
    rows = []
    for number, cells in table[header_at + 1 :]:
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        values: dict[str, str] = {}
        for k, v in zip(keys, texts, strict=False):  # a row may have fewer or more cells than the header
            if k and k not in values:
                values[k] = v
        rows.append(SourceRow(number, values))
    return [k for k in keys if k], rows


def _read_csv(path: Path) -> list[tuple[int, list[str]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = "\n".join(text.splitlines()[:20])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        delim = max((";", ",", "\t"), key=first.count)
        dialect = type("D", (csv.excel,), {"delimiter": delim})
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    out = []
    for cells in reader:
        out.append((reader.line_num, cells))
    # line_num counts physical lines (a quoted cell may span several): use the record's first line
    fixed, previous = [], 0
    for line_num, cells in out:
        fixed.append((previous + 1, cells))
        previous = line_num
    return fixed


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise FileError("reading .xlsx files needs openpyxl (pip install openpyxl)") from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise FileError(f"{path.name}: not a readable .xlsx file ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        return [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


# -------------------------------------------------------------------------------------------- values


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` (a time after it is ignored) or ``DD/MM/YYYY``."""
    text = text.strip()
    m = _ISO.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _FR.match(text)
        if not m:
            raise ValueError(f"'{text}' is not a date (write YYYY-MM-DD or DD/MM/YYYY)")
        d, mo, y = (int(g) for g in m.groups())
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (no such day)") from None


def looks_like_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def normalise(text: str) -> str:
    """For matching human values: trimmed, case- and accent-insensitive, typographic quotes as ``'``."""
    text = unicodedata.normalize("NFKD", _APOSTROPHE.sub("'", text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def row_key(kind: str, *parts: str) -> str:
    """A stable identity of an input row, from its identifying columns."""
    material = "\x1f".join([kind, *(normalise(p) for p in parts)])
    return hashlib.sha256(material.encode()).hexdigest()[:24]


class _Checker:
    def __init__(
        self, values: Mapping[str, str], columns: Iterable[str], optional: frozenset[str], present: Iterable[str] | None
    ):
        self.values = values
        self.present = set(present) if present is not None else None
        self.problems: list[str] = []
        self.optional = optional
        self.columns = columns

    def text(self, name: str) -> str:
        if self.present is not None and name not in self.present and name not in self.optional:
            self.problems.append(f"missing column '{name}'")
            return ""
        value = (self.values.get(name) or "").strip()
        if not value and name not in self.optional:
            self.problems.append(f"'{name}' is empty")
        return value

    def email(self, name: str) -> str:
        value = self.text(name)
        if value and not looks_like_email(value):
            self.problems.append(f"'{name}' is not an e-mail address: '{value}'")
        return value

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            self.problems.append(f"'{name}': {exc}")
            return None


@dataclass
class DossierRow:
    email: str
    civilite: str
    nom: str
    prenoms: str
    programme: str
    voie_entree: str
    regime: str
    etat_inscription: str
    date_inscription: dt.date
    societe_facturation: str
    nature_client: str
    nom_usage: str = ""
    prenom_usage: str = ""
    date_naissance: dt.date | None = None
    number: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    kind = "dossier"

    @property
    def key(self) -> str:
        return row_key(self.kind, self.email, self.programme)

    @classmethod
    def parse(
        cls, values: Mapping[str, Any], number: int | None = None, columns: Iterable[str] | None = None
    ) -> DossierRow:
        """Check a row (column → value); :class:`RowInvalid` lists every problem.  ``columns`` are the file's
        headers (a required one that is absent is reported as missing)."""
        v = {header_key(k): _cell_text(x) for k, x in values.items()}
        c = _Checker(v, DOSSIER_COLUMNS, DOSSIER_OPTIONAL, columns)
        # Every column is checked, in this order (that of the problems reported), before the row is refused.
        email, civilite, nom, prenoms = c.email("email"), c.text("civilite"), c.text("nom"), c.text("prenoms")
        nom_usage, prenom_usage = c.text("nom_usage"), c.text("prenom_usage")
        date_naissance = c.date("date_naissance")
        programme, voie_entree, regime = c.text("programme"), c.text("voie_entree"), c.text("regime")
        etat_inscription, date_inscription = c.text("etat_inscription"), c.date("date_inscription")
        societe_facturation, nature_client = c.text("societe_facturation"), c.text("nature_client")
        if c.problems or date_inscription is None:  # a required date that is None has its problem listed
            raise RowInvalid(c.problems)
        return cls(
            email=email,
            civilite=civilite,
            nom=nom,
            prenoms=prenoms,
            nom_usage=nom_usage,
            prenom_usage=prenom_usage,
            date_naissance=date_naissance,
            programme=programme,
            voie_entree=voie_entree,
            regime=regime,
            etat_inscription=etat_inscription,
            date_inscription=date_inscription,
            societe_facturation=societe_facturation,
            nature_client=nature_client,
            number=number,
        )


@dataclass
class ConventionRow:
    email: str
    programme: str
    type_convention: str
    entreprise_nom: str
    date_debut: dt.date
    date_fin: dt.date
    entreprise_siret: str = ""
    organisme_financeur: str = ""
    number: int | None = None

    kind = "convention"

    @property
    def key(self) -> str:
        return row_key(self.kind, self.email, self.programme, self.type_convention, self.entreprise_nom)

    @classmethod
    def parse(
        cls, values: Mapping[str, Any], number: int | None = None, columns: Iterable[str] | None = None
    ) -> ConventionRow:
        v = {header_key(k): _cell_text(x) for k, x in values.items()}
        c = _Checker(v, CONVENTION_COLUMNS, CONVENTION_OPTIONAL, columns)
        # Every column is checked, in this order (that of the problems reported), before the row is refused.
        email, programme, type_convention = c.email("email"), c.text("programme"), c.text("type_convention")
        entreprise_nom, entreprise_siret = c.text("entreprise_nom"), c.text("entreprise_siret")
        organisme_financeur = c.text("organisme_financeur")
        date_debut, date_fin = c.date("date_debut"), c.date("date_fin")
        siret = re.sub(r"\s", "", entreprise_siret)
        if siret and not re.fullmatch(r"\d{14}", siret):
            c.problems.append(f"'entreprise_siret' is not a SIRET (14 digits): '{entreprise_siret}'")
        if date_debut and date_fin and date_fin < date_debut:
            c.problems.append("'date_fin' is before 'date_debut'")
        if c.problems or date_debut is None or date_fin is None:  # a required date that is None has its problem
            raise RowInvalid(c.problems)
        return cls(
            email=email,
            programme=programme,
            type_convention=type_convention,
            entreprise_nom=entreprise_nom,
            date_debut=date_debut,
            date_fin=date_fin,
            entreprise_siret=siret,
            organisme_financeur=organisme_financeur,
            number=number,
        )


def missing_columns(kind: str, columns: Iterable[str]) -> list[str]:
    """The required columns of a ``dossier`` or ``convention`` file that ``columns`` (header keys) lack."""
    required, optional = (
        (DOSSIER_COLUMNS, DOSSIER_OPTIONAL) if kind == "dossier" else (CONVENTION_COLUMNS, CONVENTION_OPTIONAL)
    )
    present = set(columns)
    return [c for c in required if c not in optional and c not in present]


def fallback_key(kind: str, values: Mapping[str, Any], number: int | None) -> str:
    """The key of a row that does not parse: from its identifying columns when present, else its line."""
    v = {header_key(k): _cell_text(x) for k, x in values.items()}
    ids = ("email", "programme") if kind == "dossier" else ("email", "programme", "type_convention", "entreprise_nom")
    parts = [v.get(i, "") for i in ids]
    if not any(parts):
        parts = [f"line {number}"]
    return row_key(kind, *parts)
