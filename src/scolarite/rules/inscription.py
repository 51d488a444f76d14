"""Inscription universe rules: learners, voies d'entrée, inscriptions, periods.

R17–R19 (learner code and Individu), R26–R28 (inscription and its Affaire),
R30 (period links), R33 (voies d'entrée visible only with a référence externe),
and the enrolment in the programme's séquences that the convention workflow
reads back (R52).
"""

from __future__ import annotations

import sqlalchemy as sa

from scolarite.errors import ValidationError
from scolarite.service import CREATE, UPDATE, Context, ReadContext, Service

from .codes import generated, keep_server_values, next_code


def register(service: Service) -> None:
    schema, db = service.schema, service.db
    Apprenant = schema.entity("Apprenant")
    Individu = schema.entity("Individu")
    Inscription = schema.entity("Inscription")
    InscriptionPeriode = schema.entity("InscriptionPeriode")
    InscriptionSequence = schema.entity("InscriptionSequence")
    Programme = schema.entity("Programme")
    Recrutement = schema.entity("Recrutement")
    Affaire = schema.entity("Affaire")
    Periode = schema.entity("Periode")
    Sequence = schema.entity("Sequence")
    refext = db.table(schema.entity("ReferenceExterne"))

    def visible_recrutement(table):
        """R33/X36: a voie d'entrée is exposed only when it carries a référence externe."""
        linked = sa.exists().where(refext.c.IdObjet == table.c.Id, refext.c._deleted == sa.false())
        return sa.or_(sa.func.coalesce(table.c.ReferenceExterneId, 0) != 0, linked)

    db.visibility["Recrutement"] = visible_recrutement

    @service.on_read(
        "InscriptionSequence",
        post_when=lambda body: set(body) == {"Id"},
        when=lambda body, custom: body is not None or "InscriptionId" in custom,
    )
    async def sequences_of_inscription(ctx: ReadContext) -> None:
        """R52/X3: ``{"Id": <inscription id>}`` sent with the read lists the séquences of
        that inscription: its learner's enrolments in séquences of its programme."""
        if ctx.body is not None:
            if set(ctx.body) != {"Id"}:
                raise ValidationError('the body of this query must be {"Id": <inscription id>}', target="Id")
            inscription_id = ctx.body["Id"]
            if isinstance(inscription_id, bool) or not isinstance(inscription_id, int):
                raise ValidationError(f"Id must be an inscription id (an integer), not {inscription_id!r}", target="Id")
        elif "InscriptionId" in ctx.custom:  # the same scope, carried by a next-page link
            text = ctx.custom["InscriptionId"].strip()
            if not text.isdigit():
                raise ValidationError(f"InscriptionId must be an inscription id, not {text!r}", target="InscriptionId")
            inscription_id = int(text)
        else:
            return
        ctx.carry.append(("InscriptionId", str(inscription_id)))
        inscription = await db.fetch(ctx.conn, Inscription, inscription_id)
        table, seq = db.table(InscriptionSequence), db.table(Sequence)
        if inscription is None:
            ctx.where.append(sa.false())  # an unknown inscription has no séquences
            return
        of_programme = sa.select(seq.c.Id).where(
            seq.c.ProgrammeId == inscription["ProgrammeId"], seq.c._deleted == sa.false()
        )
        ctx.where += [table.c.ApprenantId == inscription["ApprenantId"], table.c.SequenceId.in_(of_programme)]

    @service.before(CREATE, "Apprenant")
    async def learner_identity(ctx: Context) -> None:
        generated(ctx)  # R18
        ctx.data["Code"] = await next_code(ctx, Apprenant, "A", 5)
        ctx.data["IndividuId"] = await db.insert(ctx.conn, Individu, {"Nom": ctx.data.get("Nom", ""), "Code": ""})

    @service.before(UPDATE, "Apprenant")
    async def learner_keeps_identity(ctx: Context) -> None:
        generated(ctx)  # R18
        keep_server_values(ctx, "IndividuId")

    async def programme_of(ctx: Context, programme_id: int) -> dict:
        row = await db.fetch(ctx.conn, Programme, programme_id)
        if row is None:
            raise ValidationError(f"ProgrammeId {programme_id} does not exist", target="ProgrammeId")
        return row

    async def check_voie(ctx: Context) -> None:
        voie = await db.fetch(ctx.conn, Recrutement, ctx.data["RecrutementId"])
        if voie is None or voie["ProgrammeId"] != ctx.data["ProgrammeId"]:
            raise ValidationError(
                f"RecrutementId {ctx.data['RecrutementId']} is a voie d'entrée of programme "
                f"{voie['ProgrammeId'] if voie else '?'}, not of ProgrammeId {ctx.data['ProgrammeId']}",
                target="RecrutementId",
            )

    @service.before(CREATE, "Inscription")
    async def inscription_affaire(ctx: Context) -> None:
        await check_voie(ctx)
        programme = await programme_of(ctx, ctx.data["ProgrammeId"])
        ctx.data["EntiteJuridiqueId"] = programme["EntiteJuridiqueId"]  # R28
        learner = await db.fetch(ctx.conn, Apprenant, ctx.data["ApprenantId"])
        affaire = {
            "Nom": (learner or {}).get("Nom", ""),
            "Code": await next_code(ctx, Affaire, "C", 5),
            "EntiteJuridiqueId": programme["EntiteJuridiqueId"],
            "Date": None,
            "CommentaireId": 0,
            "Contentieux": False,
        }
        ctx.data["AffaireId"] = await db.insert(ctx.conn, Affaire, affaire)  # R27, same transaction

    @service.before(UPDATE, "Inscription")
    async def inscription_keeps_affaire(ctx: Context) -> None:
        keep_server_values(ctx, "AffaireId", "EntiteJuridiqueId")
        if ctx.changed("RecrutementId") or ctx.changed("ProgrammeId"):
            await check_voie(ctx)

    @service.before(CREATE, "InscriptionPeriode")
    async def period_link(ctx: Context) -> None:
        data = ctx.data
        inscription = await db.fetch(ctx.conn, Inscription, data["InscriptionId"])
        ctx.seen[("Inscription", data["InscriptionId"])] = inscription
        periode = await db.fetch(ctx.conn, Periode, data["PeriodeId"])
        # What the documented body copies from the parcours period, filled when not sent (R30).
        if not data.get("LibellePeriode"):
            data["LibellePeriode"] = periode["Nom"]
        for name in ("Debut", "Fin"):
            if data.get(name) is None:
                data[name] = periode[name]
        for name in ("RegimeInscriptionId", "EtatInscriptionId"):
            if not data.get(name):
                data[name] = inscription[name]

    seq, ins_seq = db.table(Sequence), db.table(InscriptionSequence)

    def sequences_of_period(dated: bool):
        """The séquences of a programme for a period the learner is not yet enrolled in."""
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
            ins_seq.c.SequenceId == seq.c.Id,
            ins_seq.c.ApprenantId == sa.bindparam("learner"),
            ins_seq.c._deleted == sa.false(),
        )
        return (
            sa.select(seq.c.Id)
            .where(
                seq.c.ProgrammeId == sa.bindparam("programme"),
                seq.c._deleted == sa.false(),
                sa.or_(seq.c.LibellePeriode == sa.bindparam("label"), in_period),
                ~already,
            )
            .order_by(seq.c.Id)
        )

    sequences_query = {dated: sequences_of_period(dated) for dated in (True, False)}
    enrolment_defaults = {name: prop.default for name, prop in InscriptionSequence.properties.items() if not prop.key}

    @service.after(CREATE, "InscriptionPeriode")
    async def enrol_in_sequences(ctx: Context) -> None:
        """Enrol the learner in the séquences of the programme for that period.

        A séquence belongs to the period when its LibellePeriode is the period's
        label, or, having none, when it starts within the period.
        """
        inscription = ctx.seen.get(("Inscription", ctx.data["InscriptionId"])) or await db.fetch(
            ctx.conn, Inscription, ctx.data["InscriptionId"]
        )
        dated = bool(ctx.data.get("Debut") and ctx.data.get("Fin"))
        params = {
            "learner": inscription["ApprenantId"],
            "programme": inscription["ProgrammeId"],
            "label": ctx.data["LibellePeriode"],
        }
        if dated:
            params.update(debut=ctx.data["Debut"], fin=ctx.data["Fin"])
        rows = (await ctx.conn.execute(sequences_query[dated], params)).all()
        await db.insert_many(
            ctx.conn,
            InscriptionSequence,
            [
                {**enrolment_defaults, "ApprenantId": inscription["ApprenantId"], "SequenceId": sequence_id}
                for (sequence_id,) in rows
            ],
        )
