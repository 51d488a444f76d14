"""Human values → ids, from the referentials read once per run.

A value matches a referential row by its ``Code`` first, then its ``Nom``, then a
longer label (``NomLong``, ``LibelleExterne``), compared trimmed, case- and
accent-insensitive (typographic apostrophes read as ``'``).  A value that matches
nothing, or several rows, is an :class:`Unresolved` error naming what is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import errors, operations
from ._core import Operation
from .rows import DossierRow, normalise


class Unresolved(Exception):
    """A human value that names no referential row (or several)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Referential:
    label: str  # in messages: "programme"
    entity_set: str
    fields: tuple[str, ...]  # matched in this order


REFERENTIALS: dict[str, Referential] = {
    "civilite": Referential("civilité", "Civilite", ("Code", "Nom", "NomLong")),
    "programme": Referential("programme", "Programme", ("Code", "Nom", "LibelleExterne")),
    "voie_entree": Referential("voie d'entrée", "Recrutement", ("Code", "Nom", "LibelleExterne")),
    "regime": Referential("régime", "RegimeInscription", ("Code", "Nom", "LibelleExterne")),
    "etat_inscription": Referential("état d'inscription", "EtatInscription", ("Code", "Nom", "LibelleIssue")),
    "societe_facturation": Referential("société de facturation", "SocieteFacturation", ("Code", "Nom")),
    "nature_client": Referential("nature de client", "NatureClient", ("Code", "Nom")),
    "type_convention": Referential("type de convention", "TypeConvention", ("Code", "Nom")),
    "organisme_financeur": Referential("organisme financeur", "OPCA", ("Code", "Nom", "LibelleExterne")),
}

DOSSIER_REFERENTIALS = (
    "civilite",
    "programme",
    "voie_entree",
    "regime",
    "etat_inscription",
    "societe_facturation",
    "nature_client",
)
CONVENTION_REFERENTIALS = ("programme", "type_convention", "organisme_financeur")

_SHOWN = 12


class Resolver:
    """The referentials of a run, loaded once (:meth:`load`), and the periods of each parcours (cached)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self._parcours: dict[int, list[dict[str, Any]]] = {}
        self._found: dict[tuple[str, str], tuple[list[dict[str, Any]], dict[str, Any]]] = {}

    @property
    def loaded(self) -> set[str]:
        return set(self.rows)

    def load(self, names: Iterable[str] = tuple(REFERENTIALS)) -> Operation[Resolver]:
        """Read the referentials named (those not read yet): one ``GET /Set`` each."""
        for name in names:
            if name not in self.rows:
                ref = REFERENTIALS[name]
                self.rows[name] = yield from operations.all(ref.entity_set)
        return self

    def load_for(self, kind: str) -> Operation[Resolver]:
        return (yield from self.load(DOSSIER_REFERENTIALS if kind == "dossier" else CONVENTION_REFERENTIALS))

    def parcours_periods(self, parcours_id: int) -> Operation[list[dict[str, Any]]]:
        if parcours_id not in self._parcours:
            self._parcours[parcours_id] = yield from operations.parcours_periods(parcours_id)
        return self._parcours[parcours_id]

    def preload_periods(self, rows: Iterable[DossierRow]) -> Operation[None]:
        """Read once the periods of the voies d'entrée the rows (:class:`~scolarite.client.rows.DossierRow`) name:
        rows started together would each read them.  What does not resolve or cannot be read is left to the rows,
        which report it."""
        wanted: set[int] = set()
        for row in rows:
            try:
                voie = self.voie_entree(row.voie_entree, self.resolve("programme", row.programme))
            except Unresolved:
                continue
            if voie.get("ParcoursId"):
                wanted.add(voie["ParcoursId"])
        for parcours_id in sorted(wanted):
            try:
                yield from self.parcours_periods(parcours_id)
            except errors.GraphV1Error:
                continue

    def resolve(
        self, name: str, value: str, among: list[dict[str, Any]] | None = None, scope: str = ""
    ) -> dict[str, Any]:
        """The row of referential ``name`` that ``value`` names (within ``among`` when given).  What a value of the
        whole referential names is kept: the next rows that give it are not compared with every row again."""
        if among is not None:
            return self._match(name, value, among, scope)
        return self._kept((name, value), self.rows[name], lambda: self._match(name, value, None, scope))

    def _kept(
        self, key: tuple[str, str], rows: list[dict[str, Any]], find: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """``find()``, kept for ``key`` while the referential read is the same (tests swap one in)."""
        seen = self._found.get(key)
        if seen is None or seen[0] is not rows:
            seen = self._found[key] = (rows, find())
        return seen[1]

    def _match(self, name: str, value: str, among: list[dict[str, Any]] | None, scope: str) -> dict[str, Any]:
        ref = REFERENTIALS[name]
        rows = self.rows[name] if among is None else among
        wanted = normalise(value)
        for f in ref.fields:
            hits = [r for r in rows if isinstance(r.get(f), str) and r[f].strip() and normalise(r[f]) == wanted]
            if len({r.get("Id") for r in hits}) == 1:
                return hits[0]
            if hits:
                shown = ", ".join(f"{h.get('Id')}" for h in hits[:_SHOWN])
                raise Unresolved(f"{ref.label} '{value}' is ambiguous{scope} (ids {shown}); use its code")
        raise Unresolved(f"{ref.label} '{value}' not found{scope} (known: {self.known(name, rows)})")

    def known(self, name: str, rows: list[dict[str, Any]] | None = None) -> str:
        rows = self.rows[name] if rows is None else rows
        labels = []
        for r in rows:
            label = self.label(name, r)
            given = r.get("Nom")
            nom = given if isinstance(given, str) else ""
            if nom.strip() and normalise(nom) != normalise(label):
                label = f"{label} ({nom.strip()})"
            if label not in labels:
                labels.append(label)
        if not labels:
            return "none"
        more = f", … ({len(labels) - _SHOWN} more)" if len(labels) > _SHOWN else ""
        return ", ".join(labels[:_SHOWN]) + more

    def label(self, name: str, row: dict[str, Any]) -> str:
        ref = REFERENTIALS[name]
        return next((row[f] for f in ref.fields if isinstance(row.get(f), str) and row[f].strip()), str(row["Id"]))

    def voie_entree(self, value: str, programme: dict[str, Any]) -> dict[str, Any]:
        """The voie d'entrée ``value`` of ``programme`` (a voie of another programme is refused); kept, as
        :meth:`resolve` does."""
        return self._kept(
            (f"voie_entree of {programme['Id']}", value),
            self.rows["voie_entree"],
            lambda: self._voie_entree(value, programme),
        )

    def _voie_entree(self, value: str, programme: dict[str, Any]) -> dict[str, Any]:
        own = [r for r in self.rows["voie_entree"] if r.get("ProgrammeId") == programme["Id"]]
        try:
            return self.resolve(
                "voie_entree", value, among=own, scope=f" for programme '{self.label('programme', programme)}'"
            )
        except Unresolved as scoped:
            try:
                other = self.resolve("voie_entree", value)
            except Unresolved:
                raise scoped from None
            prog = next((p for p in self.rows.get("programme", []) if p.get("Id") == other.get("ProgrammeId")), None)
            whose = f"programme '{self.label('programme', prog)}'" if prog else "another programme"
            raise Unresolved(
                f"voie d'entrée '{value}' belongs to {whose}, not to programme "
                f"'{self.label('programme', programme)}' (its voies: "
                f"{self.known('voie_entree', own)})"
            ) from None
