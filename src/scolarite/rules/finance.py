"""Finance universe rules: clients (R40–R44) and their creation from a learner."""

from __future__ import annotations

from scolarite.errors import ValidationError
from scolarite.service import CREATE, UPDATE, Context, Created, Service

from .codes import generated


async def affaire_code_is_the_servers(ctx: Context) -> None:
    """R46: an Affaire's code (C00001) is generated with its owner; an update may not change it."""
    generated(ctx)


def register(service: Service) -> None:
    schema, db = service.schema, service.db
    Client = schema.entity("Client")
    service.before(UPDATE, "Affaire")(affaire_code_is_the_servers)

    @service.before(CREATE, "Client")
    @service.before(UPDATE, "Client")
    async def nom_usage(ctx: Context) -> None:
        if not ctx.data.get("NomUsage"):
            ctx.data["NomUsage"] = ctx.data.get("Nom", "")  # R44

    async def client_for(ctx: Context, source_set: str, code_of) -> Created:
        """R41–R42: nothing is copied from the person but the Code is derived from it."""
        source = await db.fetch(ctx.conn, schema.entity(source_set), ctx.key)
        for name in ("ReferenceId", "Code"):
            if name in ctx.sent and ctx.data.get(name) not in (None, "", 0):
                raise ValidationError(f"{name} is set by the server on this route", target=name)
        ctx.data["Code"] = f"411-{code_of(source)}-"
        ctx.data["ReferenceId"] = ctx.key
        key = await service.create(ctx.conn, Client, ctx.data, ctx.sent | {"Code", "ReferenceId"})
        return Created("Client", key)

    @service.action("Apprenant", "Client", creates="Client")
    async def client_from_learner(ctx: Context) -> Created:
        return await client_for(ctx, "Apprenant", lambda s: s["Code"])

    @service.action("Candidat", "Client", creates="Client")
    async def client_from_candidate(ctx: Context) -> Created:
        return await client_for(ctx, "Candidat", lambda s: s["Numero"] or s["Code"])
