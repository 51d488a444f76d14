"""Admission universe rules: the candidate number and Individu (R91)."""

from __future__ import annotations

from scolarite.service import CREATE, UPDATE, Context, Service

from .codes import generated, keep_server_values, next_code


def register(service: Service) -> None:
    schema, db = service.schema, service.db
    Candidat = schema.entity("Candidat")
    Individu = schema.entity("Individu")

    @service.before(CREATE, "Candidat")
    async def candidate_identity(ctx: Context) -> None:
        generated(ctx, "Numero")  # R91
        ctx.data["Numero"] = await next_code(ctx, Candidat, "C", 5, prop="Numero")
        if not ctx.data.get("IndividuId"):
            ctx.data["IndividuId"] = await db.insert(ctx.conn, Individu, {"Nom": ctx.data.get("Nom", ""), "Code": ""})

    @service.before(UPDATE, "Candidat")
    async def candidate_keeps_identity(ctx: Context) -> None:
        generated(ctx, "Numero")  # R91
        keep_server_values(ctx, "IndividuId")
