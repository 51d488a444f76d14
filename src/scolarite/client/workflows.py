"""The two documented workflows as functions: a dossier d'inscription (use case A) and a convention (use case B).

``create_dossier(client, row)`` and ``create_convention(client, row)`` run the
documented calls in order with either client (the sync one returns the
:class:`RowResult`, the async one a coroutine of it); steps that do not depend on
each other (a dossier's inscription with its periods, and its client) are sent side
by side by the async client.  They are safe to run again:

* every human value of the row is resolved to an id, and the row checked, **before
  the first write**, so a row that cannot resolve creates nothing;
* before each creation they look for what exists (the learner by e-mail, its
  inscription for the programme, the linked periods, its client, the client–affaire
  link; the convention of the learner for that type and séquence, its entreprise,
  its organisme financeur), so a second run creates nothing and completes what a
  first run left half-done;
* with a :class:`~scolarite.client.journal.Journal`, each step is recorded (an intent
  before the call, the id after): a run killed between a creation and its record
  finds the object again instead of duplicating it;
* a row that fails says why in plain words and lists every id that exists for it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from . import errors, operations
from ._core import Operation
from .journal import Journal, RowJournal
from .query import Query, eq, in_
from .resolver import Resolver, Unresolved
from .rows import ConventionRow, DossierRow, RowInvalid, fallback_key, header_key, normalise

TIMEZONE = ZoneInfo("Europe/Paris")

CREATED = "created"
ALREADY_DONE = "already done"
FAILED = "failed"
VALID = "valid (dry-run)"
OK_STATUSES = frozenset({CREATED, ALREADY_DONE, VALID})

_WHAT = {
    "email": "the learner's e-mail",
    "learner": "the learner",
    "inscription": "the inscription",
    "period": "the inscription's period",
    "client_email": "the client's e-mail",
    "client": "the client",
    "client_affaire": "the client–affaire link",
    "convention": "the convention",
    "entreprise": "the entreprise",
    "financeur": "the organisme financeur link",
    "synchronisation": "the affaire synchronisation",
}


@dataclass
class RowResult:
    """What happened to one input row."""

    kind: str  # "dossier" or "convention"
    key: str
    number: int | None
    status: str = FAILED
    ids: dict[str, Any] = field(default_factory=dict)  # every id known for the row, existing or created
    created: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # entity set → ids made now
    updated: list[str] = field(default_factory=list)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def raise_for_status(self) -> RowResult:
        if not self.ok:
            raise RowFailed(self)
        return self

    def created_ids(self) -> list[int]:
        return [i for ids in self.created.values() for i in ids]


class RowFailed(errors.GraphV1Error):
    def __init__(self, result: RowResult):
        super().__init__(result.reason or "failed")
        self.result = result


def paris_midnight(day: dt.date) -> str:
    """A day as the ``Edm.DateTimeOffset`` of its midnight in Paris (``2023-11-20T00:00:00+01:00``)."""
    return dt.datetime.combine(day, dt.time(), TIMEZONE).isoformat()


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


class _Row:
    """The bookkeeping of one row's run: ids, creations, journal, what is being done."""

    def __init__(self, kind: str, key: str, number: int | None, journal: Journal | None, dry_run: bool):
        self.result = RowResult(kind, key, number)
        self.journal = None if dry_run else journal
        self.rj = RowJournal(self.journal, key)
        self.doing = "reading the referentials"

    @property
    def ids(self) -> dict[str, Any]:
        return self.result.ids

    def fork(self) -> _Row:
        """The same row for steps run beside others (:func:`_together`): the same ids, creations and journal, its
        own account of what it is doing (so that a failure names its own step)."""
        return copy.copy(self)

    def create(
        self,
        step: str,
        entity_set: str,
        body: dict[str, Any] | None = None,
        op: Operation[dict] | None = None,
        minimal: bool = False,
    ) -> Operation[dict]:
        """Create (intent, call, record).  ``minimal``: only the new ``Id`` is needed (see
        :func:`operations.create`)."""
        self.doing = f"creating {_WHAT.get(step.split(':')[0], step)}"
        self.rj.intend(step)
        entity = yield from (op if op is not None else operations.create(entity_set, body or {}, minimal=minimal))
        self.rj.record(step, entity["Id"])
        self.result.created[entity_set].append(entity["Id"])
        return entity

    def update(self, step: str, entity_set: str, key: Any, changes: dict[str, Any]) -> Operation[dict]:
        self.doing = f"updating {_WHAT.get(step, step)}"
        entity = yield from operations.update(entity_set, key, changes)
        self.result.updated.append(f"{entity_set} {key}")
        return entity

    def finish(self, status: str | None = None, reason: str | None = None) -> RowResult:
        r = self.result
        if reason is not None:
            r.status, r.reason = FAILED, reason
        elif status is not None:
            r.status = status
        else:
            r.status = CREATED if (r.created or r.updated) else ALREADY_DONE
        r.created = dict(r.created)
        if self.journal is not None:
            self.journal.finish(r.key, r.kind, r.number, r.status, r.ids, r.reason)
        return r

    def failure(self, exc: BaseException) -> str:
        if isinstance(exc, (Unresolved, RowInvalid)):
            return str(exc)
        if isinstance(exc, errors.TransportFailure):
            maybe = (
                " (it may have been done: run the import again to complete the row)"
                if exc.may_have_been_applied and self.doing.startswith(("creating", "updating"))
                else ""
            )
            return f"{self.doing}: {exc.message}{maybe}"
        if isinstance(exc, errors.ODataError):
            return f"{self.doing}: {exc.reason} (HTTP {exc.status})"
        return f"{self.doing}: {type(exc).__name__}: {exc}"


@dataclass
class _Failed:
    """A step run beside others that failed: the error, and what that step was doing."""

    error: Exception
    doing: str


_ROW_ERRORS = (Unresolved, RowInvalid, errors.GraphV1Error)


def _together(st: _Row, *steps: tuple[_Row, Operation[Any]]) -> Operation[list[Any]]:
    """Steps of a row that do not depend on each other, at the same time (each ``(fork of st, operation)``): their
    results, in order.  Each runs to its end; then the first that failed fails the row, named by its own step."""

    def branch(twin: _Row, op: Operation[Any]) -> Operation[Any]:
        try:
            return (yield from op)
        except _ROW_ERRORS as exc:
            return _Failed(exc, twin.doing)

    outcomes = yield from operations.parallel(*(branch(twin, op) for twin, op in steps))
    for outcome in outcomes:
        if isinstance(outcome, _Failed):
            st.doing = outcome.doing
            raise outcome.error
    return outcomes


def _prefer(found: list[dict], wanted_id: Any) -> dict | None:
    if not found:
        return None
    return next((f for f in found if f.get("Id") == wanted_id), found[0])


def _free_mails(mails: list[dict], exclude: Iterable[int] = ()) -> Operation[list[dict]]:
    """The mails that no learner, client or candidate uses (what a run killed between creating the e-mail and
    the record that uses it leaves behind)."""
    skip = set(exclude)
    mails = [m for m in mails if m.get("Id") not in skip]
    if not mails:
        return []
    ids = [m["Id"] for m in mails]
    used: set[int] = set()
    for entity_set in ("Apprenant", "Client", "Candidat"):
        try:
            users = yield from operations.all(entity_set, Query().filter(in_("MailId", ids)).select("Id", "MailId"))
        except errors.NotFound:
            continue
        used.update(u.get("MailId") for u in users)
    return [m for m in mails if m["Id"] not in used]


def _mail(st: _Row, step: str, address: str, duplicate: bool, exclude: Iterable[int], look: bool) -> Operation[int]:
    """The e-mail record of ``step``: the journal's (verified), else an unused one of the address when a previous
    run may have created it (``look``), else a new one."""
    st.doing = f"looking for {_WHAT[step]}"
    recorded = st.rj.id(step)
    if recorded:
        mail = yield from operations.get_or_none("Mail", recorded)
        if mail and normalise(mail.get("Adresse") or "") == normalise(address):
            return mail["Id"]
        st.rj.forget(step)
    if look or st.rj.pending(step) or st.journal is None:
        free = yield from _free_mails((yield from operations.mails_by_address(address)), exclude)
        if free:
            st.rj.record(step, free[0]["Id"])
            return free[0]["Id"]
    mail = yield from st.create(step, "Mail", {"Adresse": address, "IsDuplicate": duplicate}, minimal=True)
    return mail["Id"]


def _parse(cls, kind: str, row: Any, number: int | None, columns: Iterable[str] | None):
    """``(parsed row or None, problems, row key)``."""
    if isinstance(row, cls):
        return row, [], row.key
    try:
        parsed = cls.parse(row, number, columns)
        return parsed, [], parsed.key
    except RowInvalid as exc:
        return None, list(exc.problems), fallback_key(kind, row, number)


def _references(
    resolver: Resolver, parsed: Any, raw: Any, problems: list[str], names: tuple[str, ...]
) -> dict[str, dict]:
    """Resolve the row's reference columns (those given), adding what does not resolve to ``problems``."""
    cells = {header_key(k): str(v or "").strip() for k, v in raw.items()} if parsed is None else {}

    def value(col: str) -> str:
        return (getattr(parsed, col, "") or "") if parsed is not None else cells.get(col, "")

    refs: dict[str, dict] = {}
    for name in names:
        if value(name):
            try:
                refs[name] = resolver.resolve(name, value(name))
            except Unresolved as exc:
                problems.append(exc.message)
    if "civilite" in names and value("voie_entree") and "programme" in refs:  # a dossier: the voie of the programme
        try:
            refs["voie_entree"] = resolver.voie_entree(value("voie_entree"), refs["programme"])
        except Unresolved as exc:
            problems.append(exc.message)
    return refs


# ============================================================================================ dossier


def dossier_operation(
    row: DossierRow | Mapping[str, Any],
    *,
    resolver: Resolver | None = None,
    journal: Journal | None = None,
    dry_run: bool = False,
    number: int | None = None,
    columns: Iterable[str] | None = None,
    learners: list[dict] | None = None,
) -> Operation[RowResult]:
    """The dossier workflow as an operation (run it with ``client.run``).  ``learners``: the learners of the row's
    e-mail when the caller has just looked them up (the importer does it for many rows in one request); else they
    are looked up here."""
    resolver = resolver or Resolver()
    parsed, problems, key = _parse(DossierRow, "dossier", row, number, columns)
    number = parsed.number if parsed is not None and number is None else number
    st = _Row("dossier", key, number, journal, dry_run)
    try:
        # ---- check the row and resolve every reference before the first write
        yield from resolver.load_for("dossier")
        refs = _references(
            resolver,
            parsed,
            row,
            problems,
            ("civilite", "programme", "regime", "etat_inscription", "societe_facturation", "nature_client"),
        )
        if problems:
            raise RowInvalid(problems)
        row = parsed
        voie = refs["voie_entree"]
        if not voie.get("ParcoursId"):
            raise Unresolved(f"voie d'entrée '{row.voie_entree}' has no parcours, so its periods are unknown")
        st.doing = "reading the parcours"
        periods = yield from resolver.parcours_periods(voie["ParcoursId"])
        if not periods:
            raise Unresolved(f"the parcours of voie d'entrée '{row.voie_entree}' has no period")

        # ---- the learner, by e-mail
        st.doing = "looking for the learner"
        if learners is None:
            learners = yield from operations.learners_by_email(row.email)
        learner = _prefer(learners, st.rj.id("learner"))
        if learner:
            st.ids.update(email=learner["MailId"], learner=learner["Id"], learner_code=learner.get("Code"))
        if dry_run:
            return st.finish(VALID)
        fresh = learner is None
        if learner is None:
            learner = yield from _new_learner(st, row, refs["civilite"])
        else:
            st.rj.record("learner", learner["Id"])

        # ---- the inscription with its periods, and the paying client: independent once the learner exists
        ins_st, client_st = st.fork(), st.fork()
        inscription, client = yield from _together(
            st,
            (ins_st, _inscription(ins_st, row, learner, fresh, refs, periods)),
            (client_st, _client(client_st, row, learner, fresh, refs)),
        )

        # ---- the client pays the inscription's affaire
        link = None
        if not client["fresh"]:
            st.doing = "looking for the client–affaire link"
            found = yield from operations.all(
                "ClientPourAffaire",
                Query().filter(eq("AffaireId", inscription["AffaireId"]), eq("ClientId", client["Id"])).orderby("Id"),
            )
            link = _prefer(found, st.rj.id("client_affaire"))
        if link is None:
            link = yield from st.create(
                "client_affaire",
                "ClientPourAffaire",
                {"AffaireId": inscription["AffaireId"], "ClientId": client["Id"], "Principal": True},
                minimal=True,
            )
        st.ids["client_affaire"] = link["Id"]
        return st.finish()
    except _ROW_ERRORS as exc:
        return st.finish(reason=st.failure(exc))


def _new_learner(st: _Row, row: DossierRow, civilite: dict) -> Operation[dict]:
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


def _inscription(
    st: _Row, row: DossierRow, learner: dict, fresh_learner: bool, refs: dict[str, dict], periods: list[dict]
) -> Operation[dict]:
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
        inscription = _prefer(found, st.rj.id("inscription"))
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

    linked: dict[int, int] = {}
    if not fresh:
        st.doing = "reading the inscription's periods"
        linked = {p["PeriodeId"]: p["Id"] for p in (yield from operations.inscription_periods(inscription["Id"]))}
    missing = [p for p in periods if p["PeriodeId"] not in linked]
    forks = [st.fork() for _ in missing]
    made = yield from _together(
        st, *((f, _period_link(f, inscription["Id"], p, regime, etat)) for f, p in zip(forks, missing))
    )
    linked.update(zip((p["PeriodeId"] for p in missing), made))
    st.ids["periods"] = [linked[p["PeriodeId"]] for p in periods]
    return inscription


def _period_link(st: _Row, inscription_id: int, p: dict, regime: dict, etat: dict) -> Operation[int]:
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
        return link["Id"]
    except errors.Conflict:  # linked meanwhile (409 on a second link of a period)
        st.doing = "reading the inscription's periods"
        linked = {q["PeriodeId"]: q["Id"] for q in (yield from operations.inscription_periods(inscription_id))}
        if p["PeriodeId"] not in linked:
            raise
        return linked[p["PeriodeId"]]


def _client(st: _Row, row: DossierRow, learner: dict, fresh_learner: bool, refs: dict[str, dict]) -> Operation[dict]:
    """The paying client, made from the learner, with its own copy of the e-mail: ``{"Id", "fresh"}``."""
    client = None
    if not fresh_learner:
        st.doing = "looking for the client"
        found = yield from operations.clients_of(learner["Id"])
        client = _prefer(found, st.rj.id("client"))
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


# ========================================================================================= convention


def choose_sequence(sequences: list[dict], start: dt.date, end: dt.date | None = None) -> dict:
    """The séquence whose dates cover ``start`` (and ``end`` when one does), the most specific one (latest start,
    then earliest end) when several do; else the first."""

    def covers(s: dict, day: dt.date) -> bool:
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
    parsed, problems, key = _parse(ConventionRow, "convention", row, number, columns)
    number = parsed.number if parsed is not None and number is None else number
    st = _Row("convention", key, number, journal, dry_run)
    try:
        # ---- check the row and resolve every reference before the first write
        yield from resolver.load_for("convention")
        refs = _references(resolver, parsed, row, problems, ("programme", "type_convention", "organisme_financeur"))
        if problems:
            raise RowInvalid(problems)
        row = parsed
        programme, type_conv, opca = refs["programme"], refs["type_convention"], refs.get("organisme_financeur")
        prog_label = resolver.label("programme", programme)

        st.doing = "looking for the learner"
        learners = yield from operations.learners_by_email(row.email)
        if not learners:
            raise Unresolved(f"no learner with the e-mail '{row.email}' (import the dossier first)")
        st.doing = "looking for the inscription"
        inscription, learner, others = None, None, []
        for candidate in sorted(learners, key=lambda a: a["Id"] != st.rj.id("learner")):
            found = yield from operations.all(
                "Inscription", Query().filter(eq("ApprenantId", candidate["Id"])).orderby("Id")
            )
            mine = [i for i in found if i.get("ProgrammeId") == programme["Id"]]
            if mine:
                inscription, learner = _prefer(mine, st.rj.id("inscription")), candidate
                break
            others.extend(i.get("ProgrammeId") for i in found)
        if inscription is None:
            names = {p["Id"]: resolver.label("programme", p) for p in resolver.rows["programme"]}
            theirs = ", ".join(sorted({names.get(o, str(o)) for o in others})) or "none"
            raise Unresolved(
                f"the learner '{row.email}' has no inscription in programme '{prog_label}' (their programmes: {theirs})"
            )
        st.ids.update(learner=learner["Id"], learner_code=learner.get("Code"), inscription=inscription["Id"])

        st.doing = "looking for the eligible séquences"
        sequences = yield from operations.eligible_sequences(inscription["Id"])
        if not sequences:
            raise Unresolved(
                f"inscription {inscription['Id']} has no séquence of type S (période en entreprise) for a convention"
            )
        sequence = choose_sequence(sequences, row.date_debut, row.date_fin)
        st.ids["sequence"] = sequence["Id"]
        if dry_run:
            return st.finish(VALID)
        st.rj.record("learner", learner["Id"])
        st.rj.record("inscription", inscription["Id"])

        # ---- the convention (one per learner, type and séquence; the journal's, or the one with this entreprise)
        st.doing = "looking for the convention"
        found = yield from operations.all(
            "Convention",
            Query().filter(eq("ApprenantId", learner["Id"]), eq("TypeConventionId", type_conv["Id"])).orderby("Id"),
        )
        found = [c for c in found if c.get("SequenceId") == sequence["Id"]]
        convention = next((c for c in found if c["Id"] == st.rj.id("convention")), None)
        entreprise = None
        if convention is None:
            for c in found:
                if c.get("EntrepriseId"):
                    e = yield from operations.get_or_none("Entreprise", c["EntrepriseId"])
                    if e and normalise(e.get("Nom") or "") == normalise(row.entreprise_nom):
                        convention, entreprise = c, e
                        break
            else:
                convention = next((c for c in found if not c.get("EntrepriseId")), None)
        if convention is None:
            convention = yield from st.create(
                "convention",
                "Convention",
                {"ApprenantId": learner["Id"], "TypeConventionId": type_conv["Id"], "SequenceId": sequence["Id"]},
            )
        else:
            st.rj.record("convention", convention["Id"])
        st.ids.update(convention=convention["Id"], convention_code=convention.get("Code"))

        # ---- its own entreprise (R55: one convention each)
        if entreprise is None and convention.get("EntrepriseId"):
            st.doing = "reading the entreprise"
            entreprise = yield from operations.get("Entreprise", convention["EntrepriseId"])
        if entreprise is None:
            entreprise = yield from _entreprise(st, row, convention["Id"])
        st.rj.record("entreprise", entreprise["Id"])
        st.ids["entreprise"] = entreprise["Id"]
        if row.entreprise_siret and (entreprise.get("SIRET") or "") != row.entreprise_siret:
            entreprise = yield from st.update(
                "entreprise", "Entreprise", entreprise["Id"], {"SIRET": row.entreprise_siret}
            )

        # ---- the entreprise and the dates on the convention (GET, change, send it all back: R2)
        if (
            convention.get("EntrepriseId") != entreprise["Id"]
            or _day(convention.get("DateDebut")) != row.date_debut
            or _day(convention.get("DateFin")) != row.date_fin
        ):
            convention = yield from st.update(
                "convention",
                "Convention",
                convention["Id"],
                {
                    "EntrepriseId": entreprise["Id"],
                    "DateDebut": paris_midnight(row.date_debut),
                    "DateFin": paris_midnight(row.date_fin),
                },
            )

        # ---- the organisme financeur
        if opca is not None:
            st.doing = "looking for the organisme financeur link"
            found = yield from operations.all(
                "ConventionOrganismeFinanceur",
                Query()
                .filter(eq("ConventionId", convention["Id"]), eq("OrganismeFinanceurId", opca["Id"]))
                .orderby("Id"),
            )
            link = _prefer(found, st.rj.id("financeur"))
            if link is None:
                link = yield from st.create(
                    "financeur",
                    "ConventionOrganismeFinanceur",
                    {"ConventionId": convention["Id"], "OrganismeFinanceurId": opca["Id"]},
                )
            st.ids["financeur_link"] = link["Id"]

        # ---- the billing clients (idempotent on the server; skipped when the journal says it is done)
        if st.result.created or st.result.updated or not st.rj.id("synchronisation"):
            st.doing = "synchronising the affaire"
            yield from operations.synchronise_affaire(convention["Id"])
            st.rj.record("synchronisation", True)
        return st.finish()
    except (Unresolved, RowInvalid, errors.GraphV1Error) as exc:
        return st.finish(reason=st.failure(exc))


def _entreprise(st: _Row, row: ConventionRow, convention_id: int) -> Operation[dict]:
    """The convention's entreprise: the journal's (verified free), else, after a run killed while creating it, an
    entreprise of that name no convention uses, else a new one."""

    def free(e: dict) -> Operation[bool]:
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


# ======================================================================================= entry points


def create_dossier(
    client: Any,
    row: DossierRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
):
    """Create (or complete) one learner's dossier from a row (a :class:`DossierRow` or a mapping of the documented
    columns).  With :class:`~scolarite.client.GraphV1Client` returns the :class:`RowResult`; with
    :class:`~scolarite.client.AsyncGraphV1Client` a coroutine of it.  Pass one :class:`Resolver` for many rows so the
    referentials are read once."""
    return client.run(dossier_operation(row, resolver=resolver, journal=journal, dry_run=dry_run, number=number))


def create_convention(
    client: Any,
    row: ConventionRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
):
    """Create (or complete) one convention from a row (see :func:`create_dossier`)."""
    return client.run(convention_operation(row, resolver=resolver, journal=journal, dry_run=dry_run, number=number))
