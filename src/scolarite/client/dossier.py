"""Use case A: a learner's dossier d'inscription (the learner, its inscription with the parcours' periods, its
paying client), one row at a time.  See :mod:`.workflows` for what makes it safe to run again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import errors, operations
from ._core import Entity, Operation
from .journal import Journal
from .query import Query, eq, in_
from .resolver import Resolver, Unresolved
from .rows import DossierRow, RowInvalid, normalise
from .steps import (
    ROW_ERRORS,
    VALID,
    WHAT,
    RowResult,
    RowRun,
    paris_midnight,
    prefer,
    resolve_references,
    start,
    together,
)

#: The reference columns of a dossier row (the voie d'entrée is resolved within its programme).
REFERENCES = ("civilite", "programme", "regime", "etat_inscription", "societe_facturation", "nature_client")


def dossier_operation(
    row: DossierRow | Mapping[str, Any],
    *,
    resolver: Resolver | None = None,
    journal: Journal | None = None,
    dry_run: bool = False,
    number: int | None = None,
    columns: Iterable[str] | None = None,
    learners: list[Entity] | None = None,
) -> Operation[RowResult]:
    """The dossier workflow as an operation (run it with ``client.run``).  ``learners``: the learners of the row's
    e-mail when the caller has just looked them up (the importer does it for many rows in one request); else they
    are looked up here."""
    resolver = resolver or Resolver()
    st, parsed, problems, cells = start(DossierRow, row, number, columns, journal, dry_run)
    try:
        yield from resolver.load_for("dossier")
        refs = resolve_references(resolver, parsed, cells, problems, REFERENCES)
        if problems or parsed is None:  # a row that does not parse has its problems listed
            raise RowInvalid(problems)
        periods = yield from _parcours_periods(st, resolver, parsed, refs["voie_entree"])
        st.doing = "looking for the learner"
        if learners is None:
            learners = yield from operations.learners_by_email(parsed.email)
        learner = prefer(learners, st.rj.id("learner"))
        if learner:
            st.ids.update(email=learner["MailId"], learner=learner["Id"], learner_code=learner.get("Code"))
        if dry_run:
            return st.finish(VALID)
        yield from _write(st, parsed, learner, refs, periods)
        return st.finish()
    except ROW_ERRORS as exc:
        return st.finish(reason=st.failure(exc))


def _parcours_periods(st: RowRun, resolver: Resolver, row: DossierRow, voie: Entity) -> Operation[list[Entity]]:
    """The periods the inscription is linked to, those of the voie d'entrée's parcours: a voie without a parcours,
    or a parcours without a period, fails the row before its first write."""
    if not voie.get("ParcoursId"):
        raise Unresolved(f"voie d'entrée '{row.voie_entree}' has no parcours, so its periods are unknown")
    st.doing = "reading the parcours"
    periods = yield from resolver.parcours_periods(voie["ParcoursId"])
    if not periods:
        raise Unresolved(f"the parcours of voie d'entrée '{row.voie_entree}' has no period")
    return periods


def _write(
    st: RowRun, row: DossierRow, learner: Entity | None, refs: dict[str, Entity], periods: list[Entity]
) -> Operation[None]:
    """What the row makes (or completes): the learner, then its inscription with its periods and its paying client,
    side by side (they are independent once the learner exists), then the client paying the inscription's affaire.
    A learner just created has nothing yet: nothing of it is looked for."""
    fresh = learner is None
    if learner is None:
        learner = yield from _new_learner(st, row, refs["civilite"])
    else:
        st.rj.record("learner", learner["Id"])
    ins_st, client_st = st.fork(), st.fork()
    inscription, client = yield from together(
        st,
        (ins_st, _inscription(ins_st, row, learner, fresh, refs, periods)),
        (client_st, _client(client_st, row, learner, fresh, refs)),
    )
    yield from _client_affaire(st, inscription, client)


def _new_learner(st: RowRun, row: DossierRow, civilite: Entity) -> Operation[Entity]:
    """The learner's e-mail, then the learner (it gets its ``Code``)."""
    mail_id = yield from _mail(st, "email", row.email, False, (), look=False)
    st.ids["email"] = mail_id
    body: dict[str, Any] = {
        "Nom": row.nom,
        "Prenoms": row.prenoms,
        "CiviliteId": civilite["Id"],
        "MailId": mail_id,
        "NomUsage": row.nom_usage or row.nom,
        "PrenomUsage": row.prenom_usage or row.prenoms,
    }
    if row.date_naissance:
        body["DateNaissance"] = paris_midnight(row.date_naissance)
    learner = yield from st.create("learner", "Apprenant", body)
    st.ids.update(learner=learner["Id"], learner_code=learner.get("Code"))
    return learner


def _free_mails(mails: list[Entity], exclude: Iterable[int] = ()) -> Operation[list[Entity]]:
    """The mails that no learner, client or candidate uses (what a run killed between creating the e-mail and
    the record that uses it leaves behind)."""
    skip = set(exclude)
    mails = [m for m in mails if m.get("Id") not in skip]
    if not mails:
        return []
    ids = [m["Id"] for m in mails]
    used: set[int | None] = set()
    for entity_set in ("Apprenant", "Client", "Candidat"):
        try:
            users = yield from operations.all(entity_set, Query().filter(in_("MailId", ids)).select("Id", "MailId"))
        except errors.NotFound:
            continue
        used.update(u.get("MailId") for u in users)
    return [m for m in mails if m["Id"] not in used]


def _mail(st: RowRun, step: str, address: str, duplicate: bool, exclude: Iterable[int], look: bool) -> Operation[int]:
    """The e-mail record of ``step``: the journal's (verified), else an unused one of the address when a previous
    run may have created it (``look``), else a new one."""
    st.doing = f"looking for {WHAT[step]}"
    recorded = st.rj.id(step)
    if recorded:
        mail = yield from operations.get_or_none("Mail", recorded)
        if mail and normalise(mail.get("Adresse") or "") == normalise(address):
            mail_id: int = mail["Id"]
            return mail_id
        st.rj.forget(step)
    if look or st.rj.pending(step) or st.journal is None:
        free = yield from _free_mails((yield from operations.mails_by_address(address)), exclude)
        if free:
            free_id: int = free[0]["Id"]
            st.rj.record(step, free_id)
            return free_id
    mail = yield from st.create(step, "Mail", {"Adresse": address, "IsDuplicate": duplicate}, minimal=True)
    new_id: int = mail["Id"]
    return new_id


def _inscription(
    st: RowRun, row: DossierRow, learner: Entity, fresh_learner: bool, refs: dict[str, Entity], periods: list[Entity]
) -> Operation[Entity]:
    """The learner's inscription in the programme (its affaire comes with it), linked to every period of the
    parcours."""
    programme, regime, etat = refs["programme"], refs["regime"], refs["etat_inscription"]
    inscription = None
    if not fresh_learner:
        st.doing = "looking for the inscription"
        found = yield from operations.all(
            "Inscription",
            Query().filter(eq("ApprenantId", learner["Id"]), eq("ProgrammeId", programme["Id"])).orderby("Id"),
        )
        inscription = prefer(found, st.rj.id("inscription"))
    fresh = inscription is None
    if inscription is None:
        inscription = yield from st.create(
            "inscription",
            "Inscription",
            {
                "ApprenantId": learner["Id"],
                "ProgrammeId": programme["Id"],
                "RegimeInscriptionId": regime["Id"],
                "RecrutementId": refs["voie_entree"]["Id"],
                "EtatInscriptionId": etat["Id"],
                "DateInscription": paris_midnight(row.date_inscription),
            },
        )
    else:
        st.rj.record("inscription", inscription["Id"])
    st.ids.update(inscription=inscription["Id"], affaire=inscription.get("AffaireId"))
    yield from _periods(st, inscription["Id"], fresh, periods, regime, etat)
    return inscription


def _periods(
    st: RowRun, inscription_id: int, fresh: bool, periods: list[Entity], regime: Entity, etat: Entity
) -> Operation[None]:
    """Every period of the parcours linked to the inscription (those not linked yet, side by side)."""
    linked: dict[int, int] = {}
    if not fresh:
        st.doing = "reading the inscription's periods"
        linked = {p["PeriodeId"]: p["Id"] for p in (yield from operations.inscription_periods(inscription_id))}
    missing = [p for p in periods if p["PeriodeId"] not in linked]
    forks = [st.fork() for _ in missing]
    made = yield from together(
        st, *((f, _period_link(f, inscription_id, p, regime, etat)) for f, p in zip(forks, missing, strict=True))
    )
    linked.update(zip((p["PeriodeId"] for p in missing), made, strict=True))  # one result per missing period
    st.ids["periods"] = [linked[p["PeriodeId"]] for p in periods]


def _period_link(st: RowRun, inscription_id: int, p: Entity, regime: Entity, etat: Entity) -> Operation[int]:
    """One period of the parcours linked to the inscription: the new link's id, or the existing one's when it was
    linked meanwhile (409)."""
    try:
        link = yield from st.create(
            f"period:{p['PeriodeId']}",
            "InscriptionPeriode",
            {
                "InscriptionId": inscription_id,
                "PeriodeId": p["PeriodeId"],
                "LibellePeriode": p.get("LibellePeriode"),
                "Debut": p.get("Debut"),
                "Fin": p.get("Fin"),
                "AnneeScolaire": p.get("AnneeScolaire"),
                "RegimeInscriptionId": regime["Id"],
                "EtatInscriptionId": etat["Id"],
            },
            minimal=True,
        )
        link_id: int = link["Id"]
        return link_id
    except errors.Conflict:  # linked meanwhile (409 on a second link of a period)
        st.doing = "reading the inscription's periods"
        linked: dict[int, int] = {
            q["PeriodeId"]: q["Id"] for q in (yield from operations.inscription_periods(inscription_id))
        }
        if p["PeriodeId"] not in linked:
            raise
        return linked[p["PeriodeId"]]


def _client(
    st: RowRun, row: DossierRow, learner: Entity, fresh_learner: bool, refs: dict[str, Entity]
) -> Operation[Entity]:
    """The paying client, made from the learner, with its own copy of the e-mail: ``{"Id", "fresh"}``."""
    client = None
    if not fresh_learner:
        st.doing = "looking for the client"
        found = yield from operations.clients_of(learner["Id"])
        client = prefer(found, st.rj.id("client"))
    if client is not None:
        st.rj.record("client", client["Id"])
        st.ids.update(client_email=client.get("MailId"), client=client["Id"])
        return {"Id": client["Id"], "fresh": False}
    mail_id = yield from _mail(st, "client_email", row.email, True, (learner["MailId"],), look=not fresh_learner)
    st.ids["client_email"] = mail_id
    client = yield from st.create(
        "client",
        "Client",
        op=operations.create_client_for_learner(
            learner["Id"],
            {
                "Nom": row.nom,
                "Prenoms": row.prenoms,
                "EntiteJuridiqueId": refs["societe_facturation"]["Id"],
                "NatureClientId": refs["nature_client"]["Id"],
                "MailId": mail_id,
            },
            minimal=True,
        ),
    )
    st.ids["client"] = client["Id"]
    return {"Id": client["Id"], "fresh": True}


def _client_affaire(st: RowRun, inscription: Entity, client: Entity) -> Operation[None]:
    """The link by which the client pays the inscription's affaire (looked for only when the client existed)."""
    link = None
    if not client["fresh"]:
        st.doing = "looking for the client–affaire link"
        found = yield from operations.all(
            "ClientPourAffaire",
            Query().filter(eq("AffaireId", inscription["AffaireId"]), eq("ClientId", client["Id"])).orderby("Id"),
        )
        link = prefer(found, st.rj.id("client_affaire"))
    if link is None:
        link = yield from st.create(
            "client_affaire",
            "ClientPourAffaire",
            {"AffaireId": inscription["AffaireId"], "ClientId": client["Id"], "Principal": True},
            minimal=True,
        )
    st.ids["client_affaire"] = link["Id"]
