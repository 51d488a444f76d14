"""Resource paths: what a URL below the service root addresses, one type per kind.

``parse_path`` turns ``Apprenant/123``, ``Apprenant(123)``,
``Inscription/5/InscriptionPeriodes/$count`` or ``Convention/7/SynchronisationAffaire``
into one of the frozen dataclasses below; the endpoint dispatches on the type
(``match``), so a kind the dispatcher does not handle is a type error, not a
forgotten ``elif``.  Only names are checked against the schema here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from scolarite.schema import Entity, Navigation, Property, Schema

from .errors import BadRequest, NotFound


@dataclass(frozen=True, slots=True)
class ServiceRoot:
    """``/``: the service document."""


@dataclass(frozen=True, slots=True)
class Metadata:
    """``/$metadata``."""


@dataclass(frozen=True, slots=True)
class Batch:
    """``/$batch``."""


@dataclass(frozen=True, slots=True)
class CollectionPath:
    """``/Apprenant``."""

    entity: type[Entity]

    @property
    def target(self) -> type[Entity]:
        return self.entity


@dataclass(frozen=True, slots=True)
class CountPath:
    """``/Apprenant/$count``."""

    entity: type[Entity]

    @property
    def target(self) -> type[Entity]:
        return self.entity


@dataclass(frozen=True, slots=True)
class EntityPath:
    """``/Apprenant/123`` or ``/Apprenant(123)``."""

    entity: type[Entity]
    key: Any


@dataclass(frozen=True, slots=True)
class NavigationPath:
    """``/Inscription/5/InscriptionPeriodes`` (``count``: followed by ``/$count``)."""

    entity: type[Entity]
    key: Any
    navigation: Navigation
    count: bool = False

    @property
    def target(self) -> type[Entity]:
        return self.navigation.target


@dataclass(frozen=True, slots=True)
class PropertyPath:
    """``/Apprenant/123/Nom`` (``raw``: followed by ``/$value``)."""

    entity: type[Entity]
    key: Any
    prop: Property
    raw: bool = False


@dataclass(frozen=True, slots=True)
class ActionPath:
    """``/Convention/7/SynchronisationAffaire``: a name after a key that is no
    property or navigation, maybe a bound action of the domain."""

    entity: type[Entity]
    key: Any
    name: str


ResourcePath = (
    ServiceRoot
    | Metadata
    | Batch
    | CollectionPath
    | CountPath
    | EntityPath
    | NavigationPath
    | PropertyPath
    | ActionPath
)

_SEGMENT_WITH_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$")


def parse_key(entity: type[Entity], raw: str) -> Any:
    """The key in ``Set(…)`` or ``Set/…`` (``Id=123`` accepted), checked against the key's type."""
    raw = unquote(raw).strip()
    if "=" in raw:  # named key form: Apprenant(Id=123)
        name, _, raw = raw.partition("=")
        if name.strip() != entity.key.name:
            raise BadRequest(f"{entity.__entity_set__} is keyed by {entity.key.name}, not {name.strip()}")
        raw = raw.strip()
    category = entity.key.edm.category
    if category == "guid":
        text = raw[1:-1] if len(raw) > 1 and raw[0] == raw[-1] == "'" else raw
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise BadRequest(
                f"{raw!r} is not a valid key for {entity.__entity_set__}: a GUID is expected", target=entity.key.name
            ) from None
    if not re.fullmatch(r"-?\d{1,19}", raw):
        raise BadRequest(
            f"{raw!r} is not a valid key for {entity.__entity_set__}: an integer is expected", target=entity.key.name
        )
    value = int(raw)
    if not -(2**63) <= value < 2**63:
        raise BadRequest(f"{raw} is out of range for a key", target=entity.key.name)
    return value


def parse_path(schema: Schema, path: str) -> ResourcePath:
    segments = [s for s in path.split("/") if s != ""]
    if not segments:
        return ServiceRoot()
    first = unquote(segments[0])
    if first == "$metadata":
        if len(segments) > 1:
            raise NotFound(f"no resource at $metadata/{'/'.join(segments[1:])}")
        return Metadata()
    if first == "$batch":
        return Batch()
    key_raw = None
    m = _SEGMENT_WITH_KEY.match(first)
    if m:
        first, key_raw = m.group(1), m.group(2)
    entity = schema.get(first)
    if entity is None:
        raise NotFound(f"the service has no entity set named {first!r}", target=first)
    rest = [unquote(s) for s in segments[1:]]
    if key_raw is None:
        if not rest:
            return CollectionPath(entity)
        if rest[0] == "$count":
            if len(rest) > 1:
                raise NotFound("nothing can follow $count")
            return CountPath(entity)
        key_raw, rest = rest[0], rest[1:]
    key = parse_key(entity, key_raw)
    if not rest:
        return EntityPath(entity, key)
    return _below_key(entity, key, rest, segments)


def _below_key(entity: type[Entity], key: Any, rest: list[str], segments: list[str]) -> ResourcePath:
    """What follows ``Set(key)``: a navigation, a property, or a bound action."""
    name, rest = rest[0], rest[1:]
    if name in entity.navigations:
        nav = entity.navigations[name]
        if rest == ["$count"] and nav.many:
            return NavigationPath(entity, key, nav, count=True)
        if rest:
            raise NotFound(f"no resource at {'/'.join(segments)}: nothing may follow {name} here")
        return NavigationPath(entity, key, nav)
    if name in entity.properties:
        if rest and rest != ["$value"]:
            raise NotFound(f"no resource at {'/'.join(segments)}")
        return PropertyPath(entity, key, entity.properties[name], raw=bool(rest))
    if rest:
        raise NotFound(f"{entity.__entity_set__} has no property or navigation named {name!r}", target=name)
    # Anything else after a key may be a bound action of the domain (checked by the caller).
    return ActionPath(entity, key, name)
