"""Inscription universe rules: learners, voies d'entrée, inscriptions, periods.

R17–R19 (learner code and Individu), R26–R28 (inscription and its Affaire),
R30 (period links), R33 (voies d'entrée visible only with a référence externe),
and the enrolment in the programme's séquences that the convention workflow
reads back (R52).
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from scolarite.errors import ValidationError
from scolarite.service import CREATE, READ, UPDATE, Context, ReadContext, Service
from scolarite.store.live import live

from .codes import generated, keep_server_values, new_identity, next_code


def register(service: Service) -> None:
    service.visibility("Recrutement", functools.partial(visible_recrutement, service.db.tables["ReferenceExterne"]))
    service.before(CREATE, "Apprenant", learner_identity)
    service.before(UPDATE, "Apprenant", learner_keeps_identity)
    service.before(CREATE, "Inscription", create_affaire)
    service.before(UPDATE, "Inscription", inscription_keeps_affaire)
    service.on(
        READ,
        "InscriptionSequence",
        sequences_of_inscription,
        post_when=lambda body: set(body) == {"Id"},
        when=lambda body, custom: body is not None or "InscriptionId" in custom,
    )
    service.before(CREATE, "InscriptionPeriode", period_link)
    service.after(CREATE, "InscriptionPeriode", enrol_in_sequences)


# -- voies d'entrée and the séquences of an inscription -------------------------------------


def visible_recrutement(refext: sa.Table, table: sa.FromClause) -> sa.ColumnElement[bool]:
    """R33/X36: a voie d'entrée is exposed only when it carries a référence externe."""
    linked = sa.exists().where(refext.c.IdObjet == table.c.Id, live(refext))
    return sa.or_(sa.func.coalesce(table.c.ReferenceExterneId, 0) != 0, linked)


def _inscription_scope(ctx: ReadContext) -> int | None:
    """The inscription id a read of InscriptionSequence is scoped to: the body's, or a next-page link's."""
    if ctx.body is not None:
        if set(ctx.body) != {"Id"}:
            raise ValidationError('the body of this query must be {"Id": <inscription id>}', target="Id")
        inscription_id = ctx.body["Id"]
        if isinstance(inscription_id, bool) or not isinstance(inscription_id, int):
            raise ValidationError(f"Id must be an inscription id (an integer), not {inscription_id!r}", target="Id")
        return inscription_id
    if "InscriptionId" in ctx.custom:  # the same scope, carried by a next-page link
        text = ctx.custom["InscriptionId"].strip()
        if not text.isdigit():
            raise ValidationError(f"InscriptionId must be an inscription id, not {text!r}", target="InscriptionId")
        return int(text)
    return None


async def sequences_of_inscription(ctx: ReadContext) -> None:
    """R52/X3: ``{"Id": <inscription id>}`` sent with the read lists that inscription's séquences.

    They are its learner's enrolments in séquences of its programme; an unknown
    inscription has none.
    """
    inscription_id = _inscription_scope(ctx)
    if inscription_id is None:
        return
    ctx.carry.append(("InscriptionId", str(inscription_id)))
    inscription = await ctx.fetch("Inscription", inscription_id)
    table, seq = ctx.table("InscriptionSequence"), ctx.table("Sequence")
    if inscription is None:
        ctx.where.append(sa.false())
        return
    of_programme = sa.select(seq.c.Id).where(seq.c.ProgrammeId == inscription["ProgrammeId"], live(seq))
    ctx.where += [table.c.ApprenantId == inscription["ApprenantId"], table.c.SequenceId.in_(of_programme)]


# -- learners --------------------------------------------------------------------------------


async def learner_identity(ctx: Context) -> None:
    """R18: a learner's Code (A00294) is generated, and an Individu is created for it."""
    generated(ctx)
    ctx.data["Code"] = await next_code(ctx, ctx.entity, "A", 5)
    ctx.data["IndividuId"] = await new_identity(ctx)


async def learner_keeps_identity(ctx: Context) -> None:
    """R18/X9: an update keeps the learner's Code and Individu."""
    generated(ctx)
    keep_server_values(ctx, "IndividuId")


# -- inscriptions ----------------------------------------------------------------------------


async def _check_voie(ctx: Context) -> None:
    """R26: the voie d'entrée (RecrutementId) is one of the programme's."""
    voie = await ctx.fetch("Recrutement", ctx.data["RecrutementId"])
    if voie is None or voie["ProgrammeId"] != ctx.data["ProgrammeId"]:
        raise ValidationError(
            f"RecrutementId {ctx.data['RecrutementId']} is a voie d'entrée of programme "
            f"{voie['ProgrammeId'] if voie else '?'}, not of ProgrammeId {ctx.data['ProgrammeId']}",
            target="RecrutementId",
        )


async def create_affaire(ctx: Context) -> None:
    """R27/R28: an Inscription gets its Affaire, in the same transaction, and its programme's EntiteJuridique."""
    await _check_voie(ctx)
    programme = await ctx.fetch("Programme", ctx.data["ProgrammeId"])
    if programme is None:
        raise ValidationError(f"ProgrammeId {ctx.data['ProgrammeId']} does not exist", target="ProgrammeId")
    ctx.data["EntiteJuridiqueId"] = programme["EntiteJuridiqueId"]
    learner = await ctx.fetch("Apprenant", ctx.data["ApprenantId"])
    Affaire = ctx.schema.entity("Affaire")
    affaire = {
        "Nom": (learner or {}).get("Nom", ""),
        "Code": await next_code(ctx, Affaire, "C", 5),
        "EntiteJuridiqueId": programme["EntiteJuridiqueId"],
        "Date": None,
        "CommentaireId": 0,
        "Contentieux": False,
    }
    ctx.data["AffaireId"] = await ctx.db.insert(ctx.conn, Affaire, affaire)


async def inscription_keeps_affaire(ctx: Context) -> None:
    """R27/R28/X9: an update keeps the inscription's Affaire and EntiteJuridique; a new voie is checked (R26)."""
    keep_server_values(ctx, "AffaireId", "EntiteJuridiqueId")
    if ctx.changed("RecrutementId") or ctx.changed("ProgrammeId"):
        await _check_voie(ctx)


# -- periods and séquences -------------------------------------------------------------------


async def period_link(ctx: Context) -> None:
    """R30: what the documented body copies from the period and the inscription is filled when not sent."""
    data = ctx.data
    inscription = await ctx.existing("Inscription", data["InscriptionId"])
    ctx.seen[("Inscription", data["InscriptionId"])] = inscription
    periode = await ctx.existing("Periode", data["PeriodeId"])
    if not data.get("LibellePeriode"):
        data["LibellePeriode"] = periode["Nom"]
    for name in ("Debut", "Fin"):
        if data.get(name) is None:
            data[name] = periode[name]
    for name in ("RegimeInscriptionId", "EtatInscriptionId"):
        if not data.get(name):
            data[name] = inscription[name]


@functools.lru_cache(maxsize=16)
def _sequences_of_period(seq: sa.Table, ins_seq: sa.Table, dated: bool) -> sa.Select[tuple[Any]]:
    """The séquences of a programme for a period the learner is not yet enrolled in (built once per database)."""
    in_period = (
        sa.and_(
            sa.func.coalesce(seq.c.LibellePeriode, "") == "",
            seq.c.Debut >= sa.bindparam("debut"),
            seq.c.Debut <= sa.bindparam("fin"),
        )
        if dated
        else sa.false()
    )
    already = sa.exists().where(
        ins_seq.c.SequenceId == seq.c.Id, ins_seq.c.ApprenantId == sa.bindparam("learner"), live(ins_seq)
    )
    return (
        sa.select(seq.c.Id)
        .where(
            seq.c.ProgrammeId == sa.bindparam("programme"),
            live(seq),
            sa.or_(seq.c.LibellePeriode == sa.bindparam("label"), in_period),
            ~already,
        )
        .order_by(seq.c.Id)
    )


async def enrol_in_sequences(ctx: Context) -> None:
    """R30/R52: the learner is enrolled in the séquences of the programme for the period linked.

    A séquence belongs to the period when its LibellePeriode is the period's
    label, or, having none, when it starts within the period.
    """
    inscription = ctx.seen.get(("Inscription", ctx.data["InscriptionId"])) or await ctx.existing(
        "Inscription", ctx.data["InscriptionId"]
    )
    dated = bool(ctx.data.get("Debut") and ctx.data.get("Fin"))
    params = {
        "learner": inscription["ApprenantId"],
        "programme": inscription["ProgrammeId"],
        "label": ctx.data["LibellePeriode"],
    }
    if dated:
        params.update(debut=ctx.data["Debut"], fin=ctx.data["Fin"])
    query = _sequences_of_period(ctx.table("Sequence"), ctx.table("InscriptionSequence"), dated)
    rows = (await ctx.conn.execute(query, params)).all()
    InscriptionSequence = ctx.schema.entity("InscriptionSequence")
    defaults = {name: prop.default for name, prop in InscriptionSequence.properties.items() if not prop.key}
    await ctx.db.insert_many(
        ctx.conn,
        InscriptionSequence,
        [{**defaults, "ApprenantId": inscription["ApprenantId"], "SequenceId": sequence_id} for (sequence_id,) in rows],
    )
