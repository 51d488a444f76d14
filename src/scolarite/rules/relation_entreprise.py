"""Company-relations rules: conventions, their état, entreprise and financing.

R48–R59 (convention creation and update), R54 (back to SAISIE deletes the
documents), R61 (SynchronisationAffaire builds the billing clients).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from scolarite.errors import ValidationError
from scolarite.service import CREATE, UPDATE, Context, Service

from .codes import generated, next_code

ROLES = ("SignataireId", "MaitreId", "MaitreBisId", "ReferentId")
SAISIE = "SAISIE"


def register(service: Service) -> None:
    schema, db = service.schema, service.db
    Convention = schema.entity("Convention")
    EtatConvention = schema.entity("EtatConvention")
    TypeConvention = schema.entity("TypeConvention")
    InscriptionSequence = schema.entity("InscriptionSequence")
    Inscription = schema.entity("Inscription")
    Sequence = schema.entity("Sequence")
    Apprenant = schema.entity("Apprenant")
    Entreprise = schema.entity("Entreprise")
    OPCA = schema.entity("OPCA")
    Client = schema.entity("Client")
    ClientPourAffaire = schema.entity("ClientPourAffaire")
    ConventionOrganismeFinanceur = schema.entity("ConventionOrganismeFinanceur")
    NatureClient = schema.entity("NatureClient")
    ProgrammeRegime = schema.entity("ProgrammeRegime")
    SocieteFacturation = schema.entity("SocieteFacturation")
    settings = db.metadata.tables["scolarite_setting"]

    async def one(ctx: Context, entity, *conds, order=None) -> dict | None:
        table = db.table(entity)
        stmt = sa.select(table).where(db.condition(entity, table, domain=False), *[c(table) for c in conds])
        if order is not None:
            stmt = stmt.order_by(*order(table))
        row = (await ctx.conn.execute(stmt.limit(1))).mappings().first()
        return dict(row) if row else None

    async def check_eligible(ctx: Context) -> None:
        """The séquence must be one of the learner's (R48, R51)."""
        learner, sequence = ctx.data["ApprenantId"], ctx.data["SequenceId"]
        found = await one(
            ctx, InscriptionSequence, lambda t: t.c.ApprenantId == learner, lambda t: t.c.SequenceId == sequence
        )
        if found is None:
            raise ValidationError(
                f"Sequence {sequence} is not one of learner {learner}'s séquences: choose one from "
                f"GET /InscriptionSequence?$filter=ApprenantId eq {learner}",
                target="SequenceId",
            )

    def check_roles(ctx: Context) -> None:
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

    async def first_etat(ctx: Context) -> int:
        """R53/X7: lowest Ordre, then lowest Id, among états not tied to a programme/type."""
        etat = await one(
            ctx,
            EtatConvention,
            lambda t: sa.func.coalesce(t.c.ProgrammeTypeConventionId, 0) == 0,
            order=lambda t: (t.c.Ordre, t.c.Id),
        )
        if etat is None:
            raise ValidationError("no état de convention is configured", target="EtatConventionId")
        return etat["Id"]

    async def first_mode(ctx: Context) -> int:
        row = (
            await ctx.conn.execute(sa.select(settings.c.value).where(settings.c.name == "modes_contractuels"))
        ).first()
        modes = row[0] if row else []
        return modes[0]["Id"] if modes else 0

    @service.before(CREATE, "Convention")
    async def new_convention(ctx: Context) -> None:
        await check_eligible(ctx)
        check_roles(ctx)
        generated(ctx)
        ctx.data["Code"] = await next_code(ctx, Convention, "CS", 8)  # R50
        ctx.data["EtatConventionId"] = await first_etat(ctx)  # R53
        kind = await db.fetch(ctx.conn, TypeConvention, ctx.data["TypeConventionId"])
        if kind and kind["Code"] == "APP" and not ctx.data.get("NatureContratId"):
            ctx.data["NatureContratId"] = await first_mode(ctx)  # R56, X5
        if not ctx.data.get("Devise"):
            ctx.data["Devise"] = "Euro"

    @service.before(UPDATE, "Convention")
    async def convention_update(ctx: Context) -> None:
        generated(ctx)  # R50
        if not ctx.data.get("EtatConventionId"):
            ctx.data["EtatConventionId"] = ctx.previous["EtatConventionId"]
        if ctx.changed("SequenceId") or ctx.changed("ApprenantId"):
            await check_eligible(ctx)
        check_roles(ctx)

    async def etat_code(ctx: Context, etat_id: Any) -> str:
        etat = await db.fetch(ctx.conn, EtatConvention, etat_id) if etat_id else None
        return (etat or {}).get("Code") or ""

    @service.after(UPDATE, "Convention")
    async def back_to_saisie(ctx: Context) -> None:
        """R54/X6: from another état to SAISIE deletes the convention's documents."""
        if not ctx.changed("EtatConventionId"):
            return
        if await etat_code(ctx, ctx.data["EtatConventionId"]) != SAISIE:
            return
        if await etat_code(ctx, ctx.previous["EtatConventionId"]) == SAISIE:
            return
        from .file import delete_folder_documents, share_name

        code = ctx.data["Code"]
        await delete_folder_documents(ctx.conn, service, f"{await share_name(ctx.conn, service)}\\{code}", code)

    # -- R61: SynchronisationAffaire ---------------------------------------------------

    async def nature(ctx: Context, code: str) -> int:
        row = await one(ctx, NatureClient, lambda t: t.c.Code == code)
        if row is None:
            raise ValidationError(f"no NatureClient with Code {code!r} is configured: billing clients need it")
        return row["Id"]

    async def billing_company(ctx: Context, programme_id: int, regime_id: int) -> int:
        for conds in (
            (lambda t: t.c.ProgrammeId == programme_id, lambda t: t.c.RegimeInscriptionId == regime_id),
            (lambda t: t.c.ProgrammeId == programme_id,),
        ):
            row = await one(ctx, ProgrammeRegime, *conds, order=lambda t: (t.c.Id,))
            if row and row["EntiteJuridiqueId"]:
                return row["EntiteJuridiqueId"]
        row = await one(ctx, SocieteFacturation, order=lambda t: (t.c.Id,))
        return row["Id"] if row else 0

    async def ensure_client(ctx: Context, identity: list, values: dict) -> int:
        found = await one(ctx, Client, *identity)
        if found is not None:
            return found["Id"]
        data = {n: p.default for n, p in Client.properties.items() if not p.key}
        data.update(values)
        return await service.create(ctx.conn, Client, data, set(values))

    async def ensure_link(ctx: Context, affaire_id: int, client_id: int) -> None:
        found = await one(
            ctx, ClientPourAffaire, lambda t: t.c.AffaireId == affaire_id, lambda t: t.c.ClientId == client_id
        )
        if found is None:
            data = {n: p.default for n, p in ClientPourAffaire.properties.items() if not p.key}
            data.update(AffaireId=affaire_id, ClientId=client_id, Principal=False)
            await service.create(ctx.conn, ClientPourAffaire, data, {"AffaireId", "ClientId", "Principal"})

    @service.action("Convention", "SynchronisationAffaire")
    async def synchronise(ctx: Context) -> None:
        """One client per payer of the convention, with ReferenceId = the convention (X14).

        Idempotent: a payer that already has its client is left as it is.
        """
        # The convention's row is locked until the end of the transaction: concurrent calls for one
        # convention run one after the other, and each sees the clients the one before made.
        conv = await db.fetch(ctx.conn, Convention, ctx.key, lock=True)
        learner = await db.fetch(ctx.conn, Apprenant, conv["ApprenantId"]) or {}
        sequence = await db.fetch(ctx.conn, Sequence, conv["SequenceId"]) or {}
        kind = await db.fetch(ctx.conn, TypeConvention, conv["TypeConventionId"]) or {}
        programme_id = sequence.get("ProgrammeId") or 0
        societe = await billing_company(ctx, programme_id, kind.get("RegimeId") or 0)
        inscription = await one(
            ctx,
            Inscription,
            lambda t: t.c.ApprenantId == conv["ApprenantId"],
            lambda t: t.c.ProgrammeId == programme_id,
            order=lambda t: (t.c.Id.desc(),),
        )
        clients: list[int] = []
        if conv["EntrepriseId"]:
            entreprise = await db.fetch(ctx.conn, Entreprise, conv["EntrepriseId"]) or {}
            entr = await nature(ctx, "ENTR")
            clients.append(
                await ensure_client(
                    ctx,
                    [
                        lambda t: t.c.ReferenceId == ctx.key,
                        lambda t: t.c.EntrepriseId == conv["EntrepriseId"],
                        lambda t: t.c.NatureClientId == entr,
                    ],
                    {
                        "Nom": entreprise.get("Nom") or "",
                        "NomUsage": entreprise.get("Nom") or "",
                        "Code": f"411-{learner.get('Code', '')}-",
                        "EntrepriseId": conv["EntrepriseId"],
                        "AdresseId": entreprise.get("AdresseId") or 0,
                        "EntiteJuridiqueId": societe,
                        "NatureClientId": entr,
                        "ReferenceId": ctx.key,
                    },
                )
            )
        cof = db.table(ConventionOrganismeFinanceur)
        rows = await ctx.conn.execute(
            sa.select(cof.c.OrganismeFinanceurId)
            .where(cof.c.ConventionId == ctx.key, cof.c._deleted == sa.false())
            .order_by(cof.c.Id)
        )
        opco = None
        for (opca_id,) in rows.all():
            opca = await db.fetch(ctx.conn, OPCA, opca_id)
            if opca is None:
                continue
            opco = opco or await nature(ctx, "OPCO")
            name = opca["Nom"] or opca["Code"] or str(opca_id)
            clients.append(
                await ensure_client(
                    ctx,
                    [
                        lambda t: t.c.ReferenceId == ctx.key,
                        lambda t: t.c.NatureClientId == opco,
                        lambda t, name=name: t.c.Nom == name,
                    ],
                    {
                        "Nom": name,
                        "NomUsage": name,
                        "Code": "C" + name.upper().replace(" ", ""),
                        "AdresseId": opca.get("AdresseId") or 0,
                        "EntiteJuridiqueId": societe,
                        "NatureClientId": opco,
                        "ReferenceId": ctx.key,
                    },
                )
            )
        if inscription is not None:
            for client_id in clients:
                await ensure_link(ctx, inscription["AffaireId"], client_id)
        return None
