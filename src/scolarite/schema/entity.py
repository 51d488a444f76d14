"""Entity declarations: one Python class per entity type.

A declaration lists the properties in the order they are rendered, with their EDM
type, default, nullability and the entity set a foreign key points to.  Everything
else (the database table, the CSDL, input validation, JSON rendering) is derived
from it, so a property is only ever described once::

    class Mail(Entity):
        Id = Int64(key=True)
        Nom = String()
        Code = String()
        Adresse = String(required=True, index=True)
        IsDuplicate = Boolean()

A block of properties several types share is declared once, in an abstract
declaration (``class Personne(Entity, abstract=True)``), and inherited: the
inherited properties come first, in their order, and a type that declares one of
them again replaces it in place (``Nom = String(required=True)``), so its rendering
order does not move.

A reference named ``<Name>Id`` (``CiviliteId = Int64(ref="Civilite")``) is
navigable as ``<Name>``: the single-valued navigation is derived from it.  Only the
other navigations (collection-valued ones, or a reference under another name) are
declared with :class:`Navigation`; they follow the derived ones.

This module knows nothing of schools: it is the vocabulary the model is written in.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

from . import edm

_MISSING = object()


class Property:
    """A structural property.  ``default`` is the value of a fresh entity (and the
    value a full replacement resets an absent property to)."""

    edm_factory: ClassVar[type[edm.EdmType]] = edm.String

    def __init__(
        self,
        *,
        key: bool = False,
        nullable: bool = False,
        default: Any = _MISSING,
        required: bool = False,
        ref: str | None = None,
        index: bool = False,
        computed: bool = False,
        secret: bool = False,
        edm_type: edm.EdmType | None = None,
    ):
        self.edm = edm_type or self.edm_factory()
        self.key = key
        self.nullable = nullable
        if default is _MISSING:
            default = None if nullable and self.edm.type_default in ("", 0, 0.0, False) else self.edm.type_default
            if isinstance(self.edm, edm.DateTimeOffset | edm.Guid):
                default = None
        self._default = default
        self.required = required
        self.ref = ref
        self.index = index
        self.computed = computed
        # Write-only: stored only as a one-way hash (the service hashes it), always
        # rendered null, never usable in $filter, $orderby or $select.
        self.secret = secret
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def default(self) -> Any:
        # Lists are mutable: hand out a copy.
        return list(self._default) if isinstance(self._default, list) else self._default

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


# The longest string a property holds unless its declaration says otherwise (in
# characters).  At most a few hundred, so that an indexed value always fits a
# PostgreSQL btree entry (2,704 bytes: 676 characters of 4 bytes).
DEFAULT_MAX_LENGTH = 255
# Free text (comments, descriptions, configurations) and addresses of resources.
TEXT_MAX_LENGTH = 4000
URL_MAX_LENGTH = 2048
EMAIL_MAX_LENGTH = 254  # RFC 5321's longest forward path
INDEXED_MAX_LENGTH = 600


class String(Property):
    """``max_length``: the longest value accepted, in characters (``None``: bounded by
    the request body's size only, for file contents and pictures)."""

    def __init__(self, *, max_length: int | None = DEFAULT_MAX_LENGTH, **kw: Any):
        if max_length is not None and kw.get("index") and max_length > INDEXED_MAX_LENGTH:
            raise TypeError(f"an indexed string may be at most {INDEXED_MAX_LENGTH} characters long")
        super().__init__(edm_type=edm.String(max_length=max_length), **kw)


class Int64(Property):
    edm_factory = edm.Int64


class Int32(Property):
    edm_factory = edm.Int32


class Boolean(Property):
    edm_factory = edm.Boolean


class Double(Property):
    edm_factory = edm.Double


class Decimal(Property):
    edm_factory = edm.Decimal


class Guid(Property):
    edm_factory = edm.Guid


class DateTimeOffset(Property):
    def __init__(self, *, utc: bool = False, nullable: bool = True, **kw: Any):
        super().__init__(edm_type=edm.DateTimeOffset(utc=utc), nullable=nullable, **kw)


class Enum(Property):
    def __init__(self, *members: str, **kw: Any):
        super().__init__(edm_type=edm.EnumString(members), **kw)


class Collection(Property):
    def __init__(self, item: type[edm.EdmType], **kw: Any):
        super().__init__(edm_type=edm.Collection(_primitive(item)), **kw)


class ComplexCollection(Property):
    def __init__(self, type_name: str, fields: Mapping[str, type[edm.EdmType]], **kw: Any):
        kw.setdefault("default", [])
        super().__init__(edm_type=edm.Complex(type_name, _members(fields), many=True), **kw)


class ComplexValue(Property):
    def __init__(self, type_name: str, fields: Mapping[str, type[edm.EdmType]], **kw: Any):
        kw.setdefault("nullable", True)
        super().__init__(edm_type=edm.Complex(type_name, _members(fields)), **kw)


def _primitive(item: type[edm.EdmType]) -> edm.EdmType:
    """A member or item type; its strings are free text (``TEXT_MAX_LENGTH``)."""
    return edm.String(max_length=TEXT_MAX_LENGTH) if item is edm.String else item()


def _members(fields: Mapping[str, type[edm.EdmType]]) -> dict[str, edm.EdmType]:
    return {name: _primitive(item) for name, item in fields.items()}


class Navigation:
    """A navigation property.

    Single-valued (``many=False``): ``fk`` is a property of this entity holding the
    target's key.  Collection-valued (``many=True``): ``fk`` is a property of the
    target holding this entity's key.
    """

    def __init__(self, target: str, *, fk: str, many: bool = False):
        self.target_name = target
        self.fk = fk
        self.many = many
        self.name = ""
        self.owner: type[Entity] | None = None
        self.implied = False  # derived from the reference ``fk`` rather than declared

    @classmethod
    def of_reference(cls, prop: Property) -> Navigation:
        """The navigation ``<Name>`` a reference ``<Name>Id`` implies."""
        assert prop.ref is not None
        nav = cls(prop.ref, fk=prop.name)
        nav.name, nav.implied = prop.name.removesuffix("Id"), True
        return nav

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def target(self) -> type[Entity]:
        assert self.owner is not None
        return self.owner.schema.entity(self.target_name)

    def __repr__(self) -> str:
        return f"<Navigation {self.name} -> {self.target_name}{'[]' if self.many else ''}>"


class Entity:
    """Base of every entity declaration.

    Class options (all optional): ``__entity_set__`` (defaults to the class name),
    ``__legacy__`` (the legacy table name reported by ``/Object``), ``__doc__``.
    ``class X(Entity, abstract=True)`` declares a block of members for other
    declarations to inherit: it is no entity type and cannot be registered.
    """

    __entity_set__: ClassVar[str]
    __abstract__: ClassVar[bool] = True
    __legacy__: ClassVar[str | None] = None
    __readonly__: ClassVar[bool] = False  # served for reading only (405 on writes)
    # Properties (a name, or a tuple of names for a combination) whose non-empty values
    # are unique among live entities, with the message given when a write would break
    # it ("{value}", or "{Name}" for each name of a combination, is replaced).  The
    # database enforces each with a partial unique index; a duplicate is a 409, or a
    # 400 for the keys listed in ``__unique_invalid__`` (what the spec calls invalid).
    __unique__: ClassVar[dict[str | tuple[str, ...], str]] = {}
    __unique_invalid__: ClassVar[frozenset[str | tuple[str, ...]]] = frozenset()
    # The client may send the key when creating (it is then handed to the handlers in
    # ``data``, which decide what it means, e.g. a parent folder's Streamid).
    __client_key__: ClassVar[bool] = False
    # The bare set URL (no $filter, $orderby, $top, $skip, $count) answers with the
    # set's single entity, like an OData singleton.
    __single__: ClassVar[bool] = False
    # Technical columns stored beside the properties (e.g. ``{"_parent_id": Guid(index=True)}``,
    # a folder's parent): never rendered, never accepted in a body, absent from
    # $metadata and from $filter.  Their names start with "_"; only handlers set them.
    # (Avoid names SQLAlchemy's ``table.c`` already uses, such as ``_parent``.)
    __internal__: ClassVar[dict[str, Property]] = {}
    properties: ClassVar[dict[str, Property]]
    navigations: ClassVar[dict[str, Navigation]]
    key: ClassVar[Property]
    schema: ClassVar[Schema]

    def __init_subclass__(cls, *, abstract: bool = False, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.__abstract__ = abstract
        props = _inherited(cls, Property)
        cls.properties = props
        cls.navigations = _navigations(cls, props)
        keys = [p for p in props.values() if p.key]
        if len(keys) != 1 and not (abstract and not keys):
            raise TypeError(f"{cls.__name__} must declare exactly one key property")
        if keys:
            cls.key = keys[0]
        for name, prop in cls.__internal__.items():
            if not name.startswith("_") or not isinstance(prop, Property) or prop.key:
                raise TypeError(f"{cls.__name__}.__internal__: {name} must be a non-key Property named _…")
            prop.name = name
        if "__entity_set__" not in vars(cls):
            cls.__entity_set__ = cls.__name__

    @classmethod
    def unique_keys(cls) -> list[tuple[tuple[str, ...], str]]:
        """``__unique__`` as (property names, message) pairs."""
        return [((key,) if isinstance(key, str) else tuple(key), message) for key, message in cls.__unique__.items()]

    @classmethod
    def member(cls, name: str) -> Property | Navigation | None:
        return cls.properties.get(name) or cls.navigations.get(name)

    @classmethod
    def derives_from_base(cls) -> bool:
        """True when the type starts with GraphV1.Base's Id, Nom, Code (in that order)."""
        return list(cls.properties)[:3] == ["Id", "Nom", "Code"]


_Member = TypeVar("_Member", Property, Navigation)


def _inherited(cls: type[Entity], kind: type[_Member]) -> dict[str, _Member]:
    """The members of ``kind`` that ``cls`` and its bases declare, the bases' first; a
    member declared again replaces the inherited one in place.  Inherited members
    are copied, so that each declaration owns its own."""
    found: dict[str, _Member] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            # (``key`` is the key property again, under another name: not a member.)
            if isinstance(value, kind) and value.name == name and not getattr(value, "implied", False):
                found[name] = value
            elif name in found:
                del found[name]  # hidden by something that is no such member
    members: dict[str, _Member] = {}
    for name, value in found.items():
        if name not in vars(cls):  # inherited
            value = copy.copy(value)
            setattr(cls, name, value)
        members[name] = value
    return members


def _navigations(cls: type[Entity], props: dict[str, Property]) -> dict[str, Navigation]:
    """The navigations the references imply, in property order, then the declared
    ones (a declared navigation named like an implied one replaces it in place; one
    on the same foreign key stands instead of it)."""
    declared = _inherited(cls, Navigation)
    taken = {nav.fk for nav in declared.values() if not nav.many}
    navs: dict[str, Navigation] = {}
    for prop in props.values():
        if prop.ref and prop.name.endswith("Id") and prop.name != "Id" and prop.name not in taken:
            nav = Navigation.of_reference(prop)
            if nav.name in props:
                raise TypeError(f"{cls.__name__}.{prop.name}: the navigation it implies has the name of a property")
            navs[nav.name] = nav
    navs.update(declared)
    for name, nav in navs.items():
        nav.owner = cls
        setattr(cls, name, nav)
    return navs


class Schema:
    """A namespace of entity types, each exposed as one entity set."""

    def __init__(self, namespace: str, container: str = "Container"):
        self.namespace = namespace
        self.container = container
        self._by_set: dict[str, type[Entity]] = {}

    def register(self, *entities: type[Entity]) -> None:
        for entity in entities:
            name = entity.__entity_set__
            if entity.__abstract__:
                raise TypeError(f"{entity.__name__} is abstract: only the types deriving from it are registered")
            if name in self._by_set:
                raise ValueError(f"entity set {name} declared twice")
            entity.schema = self
            self._by_set[name] = entity
        self._check()

    def _check(self) -> None:
        for entity in self._by_set.values():
            for nav in entity.navigations.values():
                if nav.target_name not in self._by_set:
                    continue  # checked again once every module is registered
                holder = entity if not nav.many else self._by_set[nav.target_name]
                if nav.fk not in holder.properties:
                    raise TypeError(f"{entity.__name__}.{nav.name}: no property {nav.fk} on {holder.__name__}")

    def validate(self) -> None:
        for entity in self._by_set.values():
            for nav in entity.navigations.values():
                if nav.target_name not in self._by_set:
                    raise TypeError(f"{entity.__name__}.{nav.name}: unknown target {nav.target_name}")
            for prop in entity.properties.values():
                if prop.ref and prop.ref not in self._by_set:
                    raise TypeError(f"{entity.__name__}.{prop.name}: unknown reference {prop.ref}")

    def entity(self, set_name: str) -> type[Entity]:
        return self._by_set[set_name]

    def get(self, set_name: str) -> type[Entity] | None:
        return self._by_set.get(set_name)

    def __iter__(self) -> Iterator[type[Entity]]:
        return iter(self._by_set.values())

    def __len__(self) -> int:
        return len(self._by_set)
