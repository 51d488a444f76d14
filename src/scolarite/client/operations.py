"""Every call of the client, written once, without I/O.

Each operation is a generator: it ``yield``s :class:`~scolarite.client._core.Request`
values, receives the :class:`~scolarite.client._core.Response` (or has the
:class:`~scolarite.client.errors.ODataError` thrown in at the ``yield``), and
``return``s its result.  :class:`~scolarite.client.GraphV1Client` runs them with
blocking I/O and :class:`~scolarite.client.AsyncGraphV1Client` with ``await``; both
expose each of them as a method of the same name.  Larger procedures (the import
workflows) compose them with ``yield from``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import errors
from ._core import _NO_BODY, Entity, Operation, Parallel, Request, Response, entity_path, key_segment, set_path
from .query import Query, as_params, eq, in_, startswith

#: The entity sets of GraphV1 (``$metadata``); any other name works too, these are for discovery.
ENTITY_SETS = (
    "Adresse",
    "Affaire",
    "Agent",
    "Apprenant",
    "AutreLieuFormation",
    "Campus",
    "CanalAcquisition",
    "Candidat",
    "Civilite",
    "Client",
    "ClientPourAffaire",
    "Commentaire",
    "Convention",
    "ConventionOrganismeFinanceur",
    "Departement",
    "Description",
    "Directory",
    "DispositionFinanciere",
    "Dossier",
    "EcheanceApprentissageConvention",
    "EcheanceConvention",
    "EcheanceFacturation",
    "EcheanceFacturationApprentissage",
    "EcheancierFacturation",
    "EcheancierFacturationApprentissage",
    "Ecole",
    "Enseignant",
    "Entreprise",
    "EntiteJuridique",
    "EtatCandidature",
    "EtatConvention",
    "EtatInscription",
    "File",
    "Individu",
    "Inscription",
    "InscriptionPeriode",
    "InscriptionSequence",
    "Instance",
    "Mail",
    "NatureClient",
    "Object",
    "OPCA",
    "Parcours",
    "ParcoursPeriode",
    "Pays",
    "Periode",
    "Professionnel",
    "Programme",
    "Recrutement",
    "ReferenceExterne",
    "RegimeInscription",
    "Sequence",
    "SessionRecrutement",
    "SocieteFacturation",
    "Telephone",
    "TypeConvention",
    "TypeSequence",
)

#: Sets whose documented full update is ``POST /Set/{Id}`` (X8); the others use ``PUT``.
POST_UPDATE_SETS = frozenset({"Convention", "Dossier", "DispositionFinanciere"})

#: The query of the documented eligible-séquence call (B4).
ELIGIBLE_SEQUENCES = Query().expand("Sequence").select("Sequence")

_SERVER_OWNED = ("@odata.context", "@odata.etag", "@odata.id", "@odata.editLink", "Id")

#: Asks a creation to answer 204 with the new entity's URL only (``OData-EntityId``), not the entity.
MINIMAL = {"Prefer": "return=minimal"}

_ENTITY_KEY = re.compile(r"\(([^()]+)\)/?$")


@dataclass
class Page:
    value: list[Entity]
    next_link: str | None
    count: int | None = None


def request(
    method: str,
    path: str,
    *,
    params: dict[str, str] | Query | None = None,
    json: Any = _NO_BODY,
    headers: dict[str, str] | None = None,
) -> Operation[Response]:
    """Any call: ``request("GET", "Apprenant/12/Mail")``."""
    resp: Response = yield Request(method.upper(), path, as_params(params), json, dict(headers or {}))
    return resp


def get(entity_set: str, key: Any, query: Query | None = None) -> Operation[Entity]:
    """``GET /Set/{key}``; :class:`~scolarite.client.errors.NotFound` when there is none."""
    resp = yield Request("GET", entity_path(entity_set, key), as_params(query))
    return _entity(resp)


def get_or_none(entity_set: str, key: Any, query: Query | None = None) -> Operation[Entity | None]:
    """``GET /Set/{key}``, ``None`` when it does not exist (404)."""
    try:
        return (yield from get(entity_set, key, query))
    except errors.NotFound:
        return None


def page(entity_set_or_url: str, query: Query | None = None, *, body: Any = _NO_BODY) -> Operation[Page]:
    """One page of a collection: ``entity_set_or_url`` is a set (or navigation path) or an ``@odata.nextLink``."""
    is_link = "://" in entity_set_or_url
    params = {} if is_link else as_params(query)
    resp = yield Request("GET", entity_set_or_url, params, body)
    data = resp.body if isinstance(resp.body, dict) else {}
    value = data.get("value")
    if not isinstance(value, list):
        raise errors.ODataError(
            resp.status,
            "UnexpectedAnswer",
            f"no collection in the answer of {entity_set_or_url}",
            method="GET",
            url=resp.url,
        )
    return Page(value, data.get("@odata.nextLink"), data.get("@odata.count"))


def all(
    entity_set: str, query: Query | None = None, *, limit: int | None = None, body: Any = _NO_BODY
) -> Operation[list[Entity]]:
    """Every entity of a collection, following ``@odata.nextLink`` (at most ``limit`` of them)."""
    out: list[Entity] = []
    p = yield from page(entity_set, query, body=body)
    out.extend(p.value)
    while p.next_link and (limit is None or len(out) < limit):
        p = yield from page(p.next_link, body=body)
        out.extend(p.value)
    return out if limit is None else out[:limit]


list_ = all


def first(entity_set: str, query: Query | None = None) -> Operation[Entity | None]:
    """The first entity of the collection (``$top=1``), or ``None``."""
    p = yield from page(entity_set, (query or Query()).top(1))
    return p.value[0] if p.value else None


def count(entity_set: str, query: Query | None = None) -> Operation[int]:
    """``GET /Set/$count`` (with the query's ``$filter``)."""
    params = {k: v for k, v in as_params(query).items() if k == "$filter"}
    resp = yield Request("GET", f"{set_path(entity_set)}/$count", params)
    return int(resp.text.strip())


def create(entity_set: str, body: dict[str, Any], *, minimal: bool = False) -> Operation[Entity]:
    """``POST /Set`` → the created entity (201).  With ``minimal``, when only its ``Id`` is needed, the service is
    asked not to render it back (``Prefer: return=minimal``): the answer is then ``{"Id": …}``, read from the
    ``OData-EntityId`` header (a service that ignores the preference sends the entity, returned as is)."""
    resp = yield Request("POST", set_path(entity_set), {}, body, dict(MINIMAL) if minimal else {})
    return _created(resp)


def parallel(*ops: Operation[Any]) -> Operation[list[Any]]:
    """Operations that do not depend on each other, at the same time with the async client (in turn with the sync
    one): their results, in order.  Every one runs to its end; then the first failure, if any, is raised."""
    outcomes: list[Any] = yield Parallel(list(ops))
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    return outcomes


def replace(entity_set: str, key: Any, body: dict[str, Any], *, method: str | None = None) -> Operation[Entity]:
    """Full replacement (R2): every property not in ``body`` is reset. ``PUT``, or ``POST /Set/{Id}`` for the sets
    documented that way (:data:`POST_UPDATE_SETS`)."""
    verb = (method or ("POST" if entity_set in POST_UPDATE_SETS else "PUT")).upper()
    resp = yield Request(
        verb, entity_path(entity_set, key), {}, {k: v for k, v in body.items() if k not in _SERVER_OWNED}
    )
    return _entity(resp) if resp.body else (yield from get(entity_set, key))


def update(entity_set: str, key: Any, changes: dict[str, Any], *, method: str | None = None) -> Operation[Entity]:
    """The documented update: GET the entity, apply ``changes``, send it all back (R2)."""
    current = yield from get(entity_set, key)
    body = {k: v for k, v in current.items() if k not in _SERVER_OWNED and not k.startswith("@")}
    body.update(changes)
    return (yield from replace(entity_set, key, body, method=method))


def patch(entity_set: str, key: Any, changes: dict[str, Any]) -> Operation[Entity]:
    """``PATCH /Set/{key}``: only the properties sent change (OData merge)."""
    resp = yield Request("PATCH", entity_path(entity_set, key), {}, changes)
    return _entity(resp) if resp.body else (yield from get(entity_set, key))


def delete(entity_set: str, key: Any) -> Operation[None]:
    yield Request("DELETE", entity_path(entity_set, key), expect_body=False)
    return None


def navigation(entity_set: str, key: Any, name: str, query: Query | None = None) -> Operation[Any]:
    """``GET /Set/{key}/Name``: a list for a collection (all pages), else the entity (``None`` when empty)."""
    url = entity_path(entity_set, key, set_path(name))
    resp = yield Request("GET", url, as_params(query))
    data = resp.body if isinstance(resp.body, dict) else {}
    if isinstance(data.get("value"), list):
        out = list(data["value"])
        link = data.get("@odata.nextLink")
        while link:
            p = yield from page(link)
            out.extend(p.value)
            link = p.next_link
        return out
    return _entity(resp) if data else None


def action(entity_set: str, key: Any, name: str, body: dict[str, Any] | None = None) -> Operation[Any]:
    """``POST /Set/{key}/Name`` (a bound action); its JSON answer, or ``None`` when it has no body."""
    resp = yield Request("POST", entity_path(entity_set, key, set_path(name)), {}, _NO_BODY if body is None else body)
    return resp.body


# ------------------------------------------------------------------------------ documented calls


def _spellings(address: str, ignore_case: bool) -> list[str]:
    """The address as typed and, unless case matters, in lower case.

    Exact comparisons on these spellings are served by the server's index on
    ``Mail.Adresse``; ``tolower(Mail/Adresse)`` would read every learner.
    """
    address = address.strip()
    return list(dict.fromkeys([address, address.lower()] if ignore_case else [address]))


def learners_by_email(address: str, *, ignore_case: bool = True) -> Operation[list[Entity]]:
    """The learners whose e-mail is ``address`` (A4/B1: ``$filter=Mail/Adresse eq '…'``), oldest first."""
    cond = in_("Mail/Adresse", _spellings(address, ignore_case))
    return (yield from all("Apprenant", Query().filter(cond).orderby("Id")))


#: The longest ``$filter`` :func:`learners_by_emails` sends: with the rest of the URL, well under the 2,048
#: characters of query string that some servers (IIS) accept by default.
LONGEST_FILTER = 1500


def learners_by_emails(
    addresses: Iterable[str], *, longest: int = LONGEST_FILTER
) -> Operation[dict[str, list[Entity]]]:
    """What :func:`learners_by_email` answers for each of many addresses, in a few requests (each ``$filter`` at
    most ``longest`` characters): ``{address: learners, oldest first}``.  The addresses must differ in lower
    case (each learner found is given to the address it matches in lower case)."""
    addresses = list(dict.fromkeys(addresses))
    by_lower: dict[str, list[Entity]] = {a.strip().lower(): [] for a in addresses}
    spellings = [s for a in addresses for s in _spellings(a, True)]
    with_mail = Query().expand("Mail", Query().select("Adresse"))
    seen: set[Any] = set()
    for group in _filter_groups(spellings, longest):
        found = yield from all("Apprenant", with_mail.filter(in_("Mail/Adresse", group)).orderby("Id"))
        for learner in found:
            address = ((learner.pop("Mail", None) or {}).get("Adresse") or "").strip().lower()
            if address in by_lower and learner["Id"] not in seen:
                seen.add(learner["Id"])
                by_lower[address].append(learner)
    return {a: sorted(by_lower[a.strip().lower()], key=lambda x: x["Id"]) for a in addresses}


def _filter_groups(spellings: list[str], longest: int) -> list[list[str]]:
    """The spellings in groups whose ``Mail/Adresse eq …`` filter fits in ``longest`` characters."""
    groups: list[list[str]] = [[]]
    size = 0
    for s in spellings:
        clause = len(in_("Mail/Adresse", [s]).text) + 4  # " or "
        if groups[-1] and size + clause > longest:
            groups.append([])
            size = 0
        groups[-1].append(s)
        size += clause
    return [g for g in groups if g]


def mails_by_address(address: str) -> Operation[list[Entity]]:
    """The ``Mail`` records of ``address`` (there may be several, R13), oldest first."""
    return (yield from all("Mail", Query().filter(in_("Adresse", _spellings(address, True))).orderby("Id")))


def create_client_for_learner(learner_id: int, body: dict[str, Any], *, minimal: bool = False) -> Operation[Entity]:
    """``POST /Apprenant/{Id}/Client`` (A13): the learner's paying client, ``Code`` ``411-{learner code}-``
    (``minimal``: only its ``Id``, as for :func:`create`)."""
    resp = yield Request(
        "POST", entity_path("Apprenant", learner_id, "Client"), {}, body, dict(MINIMAL) if minimal else {}
    )
    return _created(resp)


def create_client_for_candidate(candidate_id: int, body: dict[str, Any]) -> Operation[Entity]:
    """``POST /Candidat/{Id}/Client``."""
    resp = yield Request("POST", entity_path("Candidat", candidate_id, "Client"), {}, body)
    return _entity(resp)


def clients_of(reference_id: int) -> Operation[list[Entity]]:
    """``GET /Client?$filter=ReferenceId eq {id}``: the clients made from a learner or a convention."""
    return (yield from all("Client", Query().filter(eq("ReferenceId", reference_id)).orderby("Id")))


def synchronise_affaire(convention_id: int) -> Operation[None]:
    """``POST /Convention/{Id}/SynchronisationAffaire`` (B14): the convention's billing clients."""
    yield Request("POST", entity_path("Convention", convention_id, "SynchronisationAffaire"), expect_body=False)
    return None


def parcours_periods(parcours_id: int) -> Operation[list[Entity]]:
    """``GET /Parcours/{Id}?$expand=ParcoursPeriodes`` (A10): the parcours' periods."""
    parcours = yield from get("Parcours", parcours_id, Query().expand("ParcoursPeriodes"))
    return list(parcours.get("ParcoursPeriodes") or [])


def inscription_periods(inscription_id: int) -> Operation[list[Entity]]:
    """``GET /Inscription/{Id}/InscriptionPeriodes``: the periods linked to an inscription."""
    periods: list[Entity] = yield from navigation("Inscription", inscription_id, "InscriptionPeriodes")
    return periods


def eligible_sequences(inscription_id: int, type_code_prefix: str = "S") -> Operation[list[Entity]]:
    """The séquences a convention of this inscription can use (B4), by the documented query:
    ``GET /InscriptionSequence?$expand=Sequence&$select=Sequence&$filter=startswith(Sequence/TypeSequence/Code,
    'S')`` with the JSON body ``{"Id": <inscription id>}``.  Returns the ``Sequence`` entities."""
    query = ELIGIBLE_SEQUENCES.filter(startswith("Sequence/TypeSequence/Code", type_code_prefix))
    rows = yield from all("InscriptionSequence", query, body={"Id": int(inscription_id)})
    out: list[Entity] = []
    seen: set[Any] = set()
    for row in rows:
        seq = row.get("Sequence")
        if isinstance(seq, dict) and seq.get("Id") not in seen:
            seen.add(seq.get("Id"))
            out.append(seq)
    return out


def _created(resp: Response) -> Entity:
    """The entity a creation answered with, or ``{"Id": key}`` from the URL of a body-less answer (204)."""
    if isinstance(resp.body, dict) or resp.status != 204:
        return _entity(resp)
    url = resp.headers.get("odata-entityid") or resp.headers.get("location") or ""
    found = _ENTITY_KEY.search(url)
    if not found:
        raise errors.ODataError(
            resp.status,
            "UnexpectedAnswer",
            "the creation answered without the new entity's URL (OData-EntityId)",
            url=resp.url,
        )
    key = found.group(1)
    return {"Id": int(key) if key.isdigit() else key.strip("'")}


def _entity(resp: Response) -> Entity:
    if not isinstance(resp.body, dict):
        raise errors.ODataError(resp.status, "UnexpectedAnswer", "the answer carries no entity", url=resp.url)
    return resp.body


#: The operations both clients expose as methods.
PUBLIC = (
    "request",
    "get",
    "get_or_none",
    "page",
    "all",
    "first",
    "count",
    "create",
    "parallel",
    "replace",
    "update",
    "patch",
    "delete",
    "navigation",
    "action",
    "learners_by_email",
    "learners_by_emails",
    "mails_by_address",
    "create_client_for_learner",
    "create_client_for_candidate",
    "clients_of",
    "synchronise_affaire",
    "parcours_periods",
    "inscription_periods",
    "eligible_sequences",
)

__all__ = ["ENTITY_SETS", "MINIMAL", "POST_UPDATE_SETS", "Page", "PUBLIC", "key_segment", *PUBLIC]
