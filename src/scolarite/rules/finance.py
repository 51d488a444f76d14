"""Finance universe rules: clients (R40–R44) and their creation from a learner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scolarite.errors import ValidationError
from scolarite.service import CREATE, UPDATE, Context, Created, Service

from .codes import generated


def register(service: Service) -> None:
    service.before(UPDATE, "Affaire", affaire_code_is_the_servers)
    service.before((CREATE, UPDATE), "Client", default_nom_usage)
    service.action("Apprenant", "Client", client_from_learner, creates="Client")
    service.action("Candidat", "Client", client_from_candidate, creates="Client")


async def affaire_code_is_the_servers(ctx: Context) -> None:
    """R46: an Affaire's code (C00001) is generated with its owner; an update may not change it."""
    generated(ctx)


async def default_nom_usage(ctx: Context) -> None:
    """R44/X12: a client's NomUsage defaults to its Nom."""
    if not ctx.data.get("NomUsage"):
        ctx.data["NomUsage"] = ctx.data.get("Nom", "")


async def _client_for(ctx: Context, code_of: Callable[[dict[str, Any]], str]) -> Created:
    """R41–R42/X13: nothing is copied from the person but the Code is derived from it; ReferenceId is the person."""
    source = await ctx.existing(ctx.entity.__entity_set__, ctx.key)
    for name in ("ReferenceId", "Code"):
        if name in ctx.sent and ctx.data.get(name) not in (None, "", 0):
            raise ValidationError(f"{name} is set by the server on this route", target=name)
    ctx.data["Code"] = f"411-{code_of(source)}-"
    ctx.data["ReferenceId"] = ctx.key
    key = await ctx.service.create(ctx.conn, ctx.schema.entity("Client"), ctx.data, ctx.sent | {"Code", "ReferenceId"})
    return Created("Client", key)


async def client_from_learner(ctx: Context) -> Created:
    """R41–R42: ``POST /Apprenant/{Id}/Client`` creates the learner's client, Code ``411-{learner code}-``."""
    return await _client_for(ctx, lambda learner: str(learner["Code"]))


async def client_from_candidate(ctx: Context) -> Created:
    """R41–R42: ``POST /Candidat/{Id}/Client`` creates the candidate's client, Code ``411-{Numero}-``."""
    return await _client_for(ctx, lambda candidate: str(candidate["Numero"] or candidate["Code"]))
