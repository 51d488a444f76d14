"""Admission universe rules: the candidate number and Individu (R91)."""

from __future__ import annotations

from scolarite.service import CREATE, UPDATE, Context, Service

from .codes import generated, keep_server_values, new_identity, next_code


def register(service: Service) -> None:
    service.before(CREATE, "Candidat", candidate_identity)
    service.before(UPDATE, "Candidat", candidate_keeps_identity)


async def candidate_identity(ctx: Context) -> None:
    """R91/X39: a candidate's Numero (C00001) is generated, and an Individu created when none is sent."""
    generated(ctx, "Numero")
    ctx.data["Numero"] = await next_code(ctx, ctx.entity, "C", 5, prop="Numero")
    if not ctx.data.get("IndividuId"):
        ctx.data["IndividuId"] = await new_identity(ctx)


async def candidate_keeps_identity(ctx: Context) -> None:
    """R91/X9: an update keeps the candidate's Numero and Individu."""
    generated(ctx, "Numero")
    keep_server_values(ctx, "IndividuId")
