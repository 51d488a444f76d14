"""Use case B: a convention (with its own entreprise and its organisme financeur) for the inscription of a learner
imported before, one row at a time.  See :mod:`.workflows` for what makes it safe to run again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from . import operations
from ._core import Entity, Operation
from .journal import Journal
from .query import Query, eq
from .resolver import Resolver, Unresolved
from .rows import ConventionRow, RowInvalid, normalise
from .steps import (
    ROW_ERRORS,
    TIMEZONE,
    VALID,
    RowResult,
    RowRun,
    paris_midnight,
    prefer,
    resolve_references,
    start,
)

#: The reference columns of a convention row.
REFERENCES = ("programme", "type_convention", "organisme_financeur")


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(TIMEZONE)
    return when.date()


def choose_sequence(sequences: list[Entity], start: dt.date, end: dt.date | None = None) -> Entity:
    """The séquence whose dates cover ``start`` (and ``end`` when one does), the most specific one (latest start,
    then earliest end) when several do; else the first."""

    def covers(s: Entity, day: dt.date) -> bool:
        a, b = _day(s.get("Debut")), _day(s.get("Fin"))
        return (a is None or a <= day) and (b is None or day <= b)

    covering = [s for s in sequences if covers(s, start)]
    if not covering:
        return sequences[0]
    both = [s for s in covering if end is None or covers(s, end)] or covering
    return max(
        both, key=lambda s: (_day(s.get("Debut")) or dt.date.min, -(_day(s.get("Fin")) or dt.date.max).toordinal())
    )


def convention_operation(
    row: ConventionRow | Mapping[str, Any],
    *,
    resolver: Resolver | None = None,
    journal: Journal | None = None,
    dry_run: bool = False,
    number: int | None = None,
    columns: Iterable[str] | None = None,
) -> Operation[RowResult]:
    """The convention workflow as an operation (run it with ``client.run``)."""
    resolver = resolver or Resolver()
    st, parsed, problems, cells = start(ConventionRow, row, number, columns, journal, dry_run)
    try:
        yield from resolver.load_for("convention")
        refs = resolve_references(resolver, parsed, cells, problems, REFERENCES)
        if problems or parsed is None:  # a row that does not parse has its problems listed
            raise RowInvalid(problems)
        learner, inscription = yield from _learner_and_inscription(st, resolver, parsed, refs["programme"])
        sequence = yield from _sequence(st, parsed, inscription)
        if dry_run:
            return st.finish(VALID)
        st.rj.record("learner", learner["Id"])
        st.rj.record("inscription", inscription["Id"])
        convention, entreprise = yield from _convention(st, parsed, learner, refs["type_convention"], sequence)
        entreprise = yield from _own_entreprise(st, parsed, convention, entreprise)
        yield from _terms(st, parsed, convention, entreprise)
        opca = refs.get("organisme_financeur")
        if opca is not None:
            yield from _financeur(st, convention, opca)
        yield from _synchronise(st, convention)
        return st.finish()
    except ROW_ERRORS as exc:
        return st.finish(reason=st.failure(exc))


def _learner_and_inscription(
    st: RowRun, resolver: Resolver, row: ConventionRow, programme: Entity
) -> Operation[tuple[Entity, Entity]]:
    """The learner of the row's e-mail that has an inscription in the programme (the journal's first), and that
    inscription: the dossier must have been imported.  Before the first write."""
    st.doing = "looking for the learner"
    learners = yield from operations.learners_by_email(row.email)
    if not learners:
        raise Unresolved(f"no learner with the e-mail '{row.email}' (import the dossier first)")
    st.doing = "looking for the inscription"
    others: list[Any] = []
    for candidate in sorted(learners, key=lambda a: a["Id"] != st.rj.id("learner")):
        found = yield from operations.all(
            "Inscription", Query().filter(eq("ApprenantId", candidate["Id"])).orderby("Id")
        )
        inscription = prefer([i for i in found if i.get("ProgrammeId") == programme["Id"]], st.rj.id("inscription"))
        if inscription is not None:
            st.ids.update(learner=candidate["Id"], learner_code=candidate.get("Code"), inscription=inscription["Id"])
            return candidate, inscription
        others.extend(i.get("ProgrammeId") for i in found)
    names = {p["Id"]: resolver.label("programme", p) for p in resolver.rows["programme"]}
    theirs = ", ".join(sorted({names.get(o, str(o)) for o in others})) or "none"
    raise Unresolved(
        f"the learner '{row.email}' has no inscription in programme '{resolver.label('programme', programme)}' "
        f"(their programmes: {theirs})"
    )


def _sequence(st: RowRun, row: ConventionRow, inscription: Entity) -> Operation[Entity]:
    """The séquence of the convention: of the inscription's eligible ones (B4), the one the row's dates fall in."""
    st.doing = "looking for the eligible séquences"
    sequences = yield from operations.eligible_sequences(inscription["Id"])
    if not sequences:
        raise Unresolved(
            f"inscription {inscription['Id']} has no séquence of type S (période en entreprise) for a convention"
        )
    sequence = choose_sequence(sequences, row.date_debut, row.date_fin)
    st.ids["sequence"] = sequence["Id"]
    return sequence


def _convention(
    st: RowRun, row: ConventionRow, learner: Entity, type_conv: Entity, sequence: Entity
) -> Operation[tuple[Entity, Entity | None]]:
    """The convention (one per learner, type and séquence), found or created, and its entreprise when finding it
    read that: ``(convention, entreprise or None)``."""
    st.doing = "looking for the convention"
    found = yield from operations.all(
        "Convention",
        Query().filter(eq("ApprenantId", learner["Id"]), eq("TypeConventionId", type_conv["Id"])).orderby("Id"),
    )
    convention, entreprise = yield from _found_convention(
        st, row, [c for c in found if c.get("SequenceId") == sequence["Id"]]
    )
    if convention is None:
        convention = yield from st.create(
            "convention",
            "Convention",
            {"ApprenantId": learner["Id"], "TypeConventionId": type_conv["Id"], "SequenceId": sequence["Id"]},
        )
    else:
        st.rj.record("convention", convention["Id"])
    st.ids.update(convention=convention["Id"], convention_code=convention.get("Code"))
    return convention, entreprise


def _found_convention(
    st: RowRun, row: ConventionRow, found: list[Entity]
) -> Operation[tuple[Entity | None, Entity | None]]:
    """Of the conventions for the séquence: the journal's, else the one with this entreprise (and that entreprise),
    else one without an entreprise yet."""
    convention = next((c for c in found if c["Id"] == st.rj.id("convention")), None)
    if convention is not None:
        return convention, None
    for c in found:
        if c.get("EntrepriseId"):
            e = yield from operations.get_or_none("Entreprise", c["EntrepriseId"])
            if e and normalise(e.get("Nom") or "") == normalise(row.entreprise_nom):
                return c, e
    return next((c for c in found if not c.get("EntrepriseId")), None), None


def _own_entreprise(st: RowRun, row: ConventionRow, convention: Entity, entreprise: Entity | None) -> Operation[Entity]:
    """The convention's own entreprise (R55: one convention each), with the row's SIRET."""
    if entreprise is None and convention.get("EntrepriseId"):
        st.doing = "reading the entreprise"
        entreprise = yield from operations.get("Entreprise", convention["EntrepriseId"])
    if entreprise is None:
        entreprise = yield from _unused_or_new_entreprise(st, row, convention["Id"])
    st.rj.record("entreprise", entreprise["Id"])
    st.ids["entreprise"] = entreprise["Id"]
    if row.entreprise_siret and (entreprise.get("SIRET") or "") != row.entreprise_siret:
        entreprise = yield from st.update("entreprise", "Entreprise", entreprise["Id"], {"SIRET": row.entreprise_siret})
    return entreprise


def _unused_or_new_entreprise(st: RowRun, row: ConventionRow, convention_id: int) -> Operation[Entity]:
    """The convention's entreprise: the journal's (verified free), else, after a run killed while creating it, an
    entreprise of that name no convention uses, else a new one."""

    def free(e: Entity) -> Operation[bool]:
        users = yield from operations.all("Convention", Query().filter(eq("EntrepriseId", e["Id"])).select("Id"))
        return all(u["Id"] == convention_id for u in users)

    st.doing = "looking for the entreprise"
    recorded = st.rj.id("entreprise")
    if recorded:
        e = yield from operations.get_or_none("Entreprise", recorded)
        if e and normalise(e.get("Nom") or "") == normalise(row.entreprise_nom) and (yield from free(e)):
            return e
        st.rj.forget("entreprise")
    if st.rj.pending("entreprise"):
        for e in (yield from operations.all("Entreprise", Query().filter(eq("Nom", row.entreprise_nom)).orderby("Id"))):
            if (yield from free(e)):
                return e
    return (yield from st.create("entreprise", "Entreprise", {"Nom": row.entreprise_nom}))


def _terms(st: RowRun, row: ConventionRow, convention: Entity, entreprise: Entity) -> Operation[None]:
    """The entreprise and the row's dates on the convention, when they differ (GET, change, send it all back: R2)."""
    if (
        convention.get("EntrepriseId") != entreprise["Id"]
        or _day(convention.get("DateDebut")) != row.date_debut
        or _day(convention.get("DateFin")) != row.date_fin
    ):
        yield from st.update(
            "convention",
            "Convention",
            convention["Id"],
            {
                "EntrepriseId": entreprise["Id"],
                "DateDebut": paris_midnight(row.date_debut),
                "DateFin": paris_midnight(row.date_fin),
            },
        )


def _financeur(st: RowRun, convention: Entity, opca: Entity) -> Operation[None]:
    """The organisme financeur of the convention, linked once."""
    st.doing = "looking for the organisme financeur link"
    found = yield from operations.all(
        "ConventionOrganismeFinanceur",
        Query().filter(eq("ConventionId", convention["Id"]), eq("OrganismeFinanceurId", opca["Id"])).orderby("Id"),
    )
    link = prefer(found, st.rj.id("financeur"))
    if link is None:
        link = yield from st.create(
            "financeur",
            "ConventionOrganismeFinanceur",
            {"ConventionId": convention["Id"], "OrganismeFinanceurId": opca["Id"]},
        )
    st.ids["financeur_link"] = link["Id"]


def _synchronise(st: RowRun, convention: Entity) -> Operation[None]:
    """The billing clients of the convention (idempotent on the server): asked again whenever the row changed
    something, skipped when the journal says it is done."""
    if st.result.created or st.result.updated or not st.rj.id("synchronisation"):
        st.doing = "synchronising the affaire"
        yield from operations.synchronise_affaire(convention["Id"])
        st.rj.record("synchronisation", True)
