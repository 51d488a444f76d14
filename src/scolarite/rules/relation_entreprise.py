"""Company-relations rules: conventions, their état, entreprise and financing.

R48–R59 (convention creation and update), R54 (back to SAISIE deletes the
documents), R61 (SynchronisationAffaire builds the billing clients).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from scolarite.errors import ValidationError
from scolarite.service import CREATE, UPDATE, Context, Service
from scolarite.store.live import live

from .codes import generated, next_code
from .file import delete_folder_documents, share_name

ROLES = ("SignataireId", "MaitreId", "MaitreBisId", "ReferentId")
SAISIE = "SAISIE"


def register(service: Service) -> None:
    service.before(CREATE, "Convention", new_convention)
    service.before(UPDATE, "Convention", convention_update)
    service.after(UPDATE, "Convention", back_to_saisie)
    service.action("Convention", "SynchronisationAffaire", synchronise)


async def _first(ctx: Context, table: sa.Table, *where: Any, order: Sequence[Any] = ()) -> dict[str, Any] | None:
    """The first live row of ``table`` that matches ``where`` (in ``order``), or None."""
    stmt = sa.select(table).where(live(table), *where)
    if order:
        stmt = stmt.order_by(*order)
    row = (await ctx.conn.execute(stmt.limit(1))).mappings().first()
    return dict(row) if row else None


# -- creation and update ---------------------------------------------------------------------


async def _check_eligible(ctx: Context) -> None:
    """R48/R51: the séquence must be one of the learner's."""
    learner, sequence = ctx.data["ApprenantId"], ctx.data["SequenceId"]
    enrolments = ctx.table("InscriptionSequence")
    found = await _first(ctx, enrolments, enrolments.c.ApprenantId == learner, enrolments.c.SequenceId == sequence)
    if found is None:
        raise ValidationError(
            f"Sequence {sequence} is not one of learner {learner}'s séquences: choose one from "
            f"GET /InscriptionSequence?$filter=ApprenantId eq {learner}",
            target="SequenceId",
        )


def _check_roles(ctx: Context) -> None:
    """R58: signatory, tutors and referent are different Professionnel records."""
    seen: dict[int, str] = {}
    for name in ROLES:
        value = ctx.data.get(name) or 0
        if value and value in seen:
            raise ValidationError(
                f"{name} and {seen[value]} are the same Professionnel ({value}); each role "
                "needs its own Professionnel record",
                target=name,
            )
        seen[value] = name


async def _first_etat(ctx: Context) -> int:
    """R53/X7: lowest Ordre, then lowest Id, among états not tied to a programme/type."""
    etats = ctx.table("EtatConvention")
    etat = await _first(
        ctx, etats, sa.func.coalesce(etats.c.ProgrammeTypeConventionId, 0) == 0, order=(etats.c.Ordre, etats.c.Id)
    )
    if etat is None:
        raise ValidationError("no état de convention is configured", target="EtatConventionId")
    return int(etat["Id"])


async def _first_mode(ctx: Context) -> Any:
    """R56/X5: the first entry of the contractual-mode referential (0 when there is none)."""
    settings = ctx.db.metadata.tables["scolarite_setting"]
    row = (await ctx.conn.execute(sa.select(settings.c.value).where(settings.c.name == "modes_contractuels"))).first()
    modes = row[0] if row else []
    return modes[0]["Id"] if modes else 0


async def new_convention(ctx: Context) -> None:
    """R48–R58: a new Convention is checked (R48, R51, R58) and gets its Code (R50), état (R53) and mode (R56)."""
    await _check_eligible(ctx)
    _check_roles(ctx)
    generated(ctx)
    ctx.data["Code"] = await next_code(ctx, ctx.entity, "CS", 8)
    ctx.data["EtatConventionId"] = await _first_etat(ctx)
    kind = await ctx.fetch("TypeConvention", ctx.data["TypeConventionId"])
    if kind and kind["Code"] == "APP" and not ctx.data.get("NatureContratId"):
        ctx.data["NatureContratId"] = await _first_mode(ctx)
    if not ctx.data.get("Devise"):
        ctx.data["Devise"] = "Euro"


async def convention_update(ctx: Context) -> None:
    """R50/R58/R59: an update keeps the Code and (when left out) the état; séquence and roles are checked again."""
    generated(ctx)
    if not ctx.data.get("EtatConventionId"):
        ctx.data["EtatConventionId"] = ctx.stored["EtatConventionId"]
    if ctx.changed("SequenceId") or ctx.changed("ApprenantId"):
        await _check_eligible(ctx)
    _check_roles(ctx)


async def _etat_code(ctx: Context, etat_id: Any) -> str:
    etat = await ctx.fetch("EtatConvention", etat_id) if etat_id else None
    return str((etat or {}).get("Code") or "")


async def back_to_saisie(ctx: Context) -> None:
    """R54/X6: from another état to SAISIE deletes the convention's documents."""
    if not ctx.changed("EtatConventionId"):
        return
    if await _etat_code(ctx, ctx.data["EtatConventionId"]) != SAISIE:
        return
    if await _etat_code(ctx, ctx.stored["EtatConventionId"]) == SAISIE:
        return
    code = ctx.data["Code"]
    await delete_folder_documents(ctx.conn, ctx.service, f"{await share_name(ctx.conn, ctx.service)}\\{code}", code)


# -- R61: SynchronisationAffaire -------------------------------------------------------------


async def _nature(ctx: Context, code: str) -> int:
    natures = ctx.table("NatureClient")
    row = await _first(ctx, natures, natures.c.Code == code)
    if row is None:
        raise ValidationError(f"no NatureClient with Code {code!r} is configured: billing clients need it")
    return int(row["Id"])


async def _billing_company(ctx: Context, programme_id: int, regime_id: int) -> int:
    """The SocieteFacturation of the programme's regime, else of the programme, else the first one."""
    regimes = ctx.table("ProgrammeRegime")
    of_programme = regimes.c.ProgrammeId == programme_id
    for where in ((of_programme, regimes.c.RegimeInscriptionId == regime_id), (of_programme,)):
        row = await _first(ctx, regimes, *where, order=(regimes.c.Id,))
        if row and row["EntiteJuridiqueId"]:
            return int(row["EntiteJuridiqueId"])
    companies = ctx.table("SocieteFacturation")
    row = await _first(ctx, companies, order=(companies.c.Id,))
    return int(row["Id"]) if row else 0


async def _ensure_client(ctx: Context, identity: Sequence[Any], values: dict[str, Any]) -> int:
    """The client that matches ``identity``, created with ``values`` when there is none (idempotence)."""
    found = await _first(ctx, ctx.table("Client"), *identity)
    if found is not None:
        return int(found["Id"])
    Client = ctx.schema.entity("Client")
    data = {n: p.default for n, p in Client.properties.items() if not p.key}
    data.update(values)
    return int(await ctx.service.create(ctx.conn, Client, data, set(values)))


async def _ensure_link(ctx: Context, affaire_id: int, client_id: int) -> None:
    links = ctx.table("ClientPourAffaire")
    if await _first(ctx, links, links.c.AffaireId == affaire_id, links.c.ClientId == client_id) is None:
        ClientPourAffaire = ctx.schema.entity("ClientPourAffaire")
        data = {n: p.default for n, p in ClientPourAffaire.properties.items() if not p.key}
        data.update(AffaireId=affaire_id, ClientId=client_id, Principal=False)
        await ctx.service.create(ctx.conn, ClientPourAffaire, data, {"AffaireId", "ClientId", "Principal"})


async def _company_client(ctx: Context, conv: dict[str, Any], learner_code: str, societe: int) -> int:
    """R61/X14: the client of the convention's Entreprise."""
    entreprise = await ctx.fetch("Entreprise", conv["EntrepriseId"]) or {}
    entr = await _nature(ctx, "ENTR")
    client = ctx.table("Client")
    identity = (
        client.c.ReferenceId == ctx.key,
        client.c.EntrepriseId == conv["EntrepriseId"],
        client.c.NatureClientId == entr,
    )
    values = {
        "Nom": entreprise.get("Nom") or "",
        "NomUsage": entreprise.get("Nom") or "",
        "Code": f"411-{learner_code}-",
        "EntrepriseId": conv["EntrepriseId"],
        "AdresseId": entreprise.get("AdresseId") or 0,
        "EntiteJuridiqueId": societe,
        "NatureClientId": entr,
        "ReferenceId": ctx.key,
    }
    return await _ensure_client(ctx, identity, values)


async def _financer_clients(ctx: Context, societe: int) -> list[int]:
    """R61/X14: one client per financing body (OPCA) of the convention."""
    cof, client = ctx.table("ConventionOrganismeFinanceur"), ctx.table("Client")
    rows = await ctx.conn.execute(
        sa.select(cof.c.OrganismeFinanceurId).where(cof.c.ConventionId == ctx.key, live(cof)).order_by(cof.c.Id)
    )
    clients: list[int] = []
    opco = None
    for (opca_id,) in rows.all():
        opca = await ctx.fetch("OPCA", opca_id)
        if opca is None:
            continue
        opco = opco or await _nature(ctx, "OPCO")
        name = opca["Nom"] or opca["Code"] or str(opca_id)
        identity = (client.c.ReferenceId == ctx.key, client.c.NatureClientId == opco, client.c.Nom == name)
        values = {
            "Nom": name,
            "NomUsage": name,
            "Code": "C" + name.upper().replace(" ", ""),
            "AdresseId": opca.get("AdresseId") or 0,
            "EntiteJuridiqueId": societe,
            "NatureClientId": opco,
            "ReferenceId": ctx.key,
        }
        clients.append(await _ensure_client(ctx, identity, values))
    return clients


async def synchronise(ctx: Context) -> None:
    """R61/X14: ``SynchronisationAffaire`` makes one client per payer of the convention, idempotently.

    Each has ReferenceId = the convention; a payer that already has its client is
    left as it is, and every client is linked to the learner's Affaire.
    """
    # The convention's row is locked until the end of the transaction: concurrent calls for one
    # convention run one after the other, and each sees the clients the one before made.
    conv = await ctx.existing("Convention", ctx.key, lock=True)
    learner = await ctx.fetch("Apprenant", conv["ApprenantId"]) or {}
    sequence = await ctx.fetch("Sequence", conv["SequenceId"]) or {}
    kind = await ctx.fetch("TypeConvention", conv["TypeConventionId"]) or {}
    programme_id = sequence.get("ProgrammeId") or 0
    societe = await _billing_company(ctx, programme_id, kind.get("RegimeId") or 0)
    inscriptions = ctx.table("Inscription")
    inscription = await _first(
        ctx,
        inscriptions,
        inscriptions.c.ApprenantId == conv["ApprenantId"],
        inscriptions.c.ProgrammeId == programme_id,
        order=(inscriptions.c.Id.desc(),),
    )
    clients: list[int] = []
    if conv["EntrepriseId"]:
        clients.append(await _company_client(ctx, conv, learner.get("Code", ""), societe))
    clients += await _financer_clients(ctx, societe)
    if inscription is not None:
        for client_id in clients:
            await _ensure_link(ctx, inscription["AffaireId"], client_id)
