"""The service document's model: CSDL XML (``$metadata``) and CSDL JSON.

Both documents are derived from a :class:`~scolarite.schema.Schema` and
nothing else, so they always describe exactly the entity sets the server serves:

* an abstract ``<Namespace>.Base`` entity type (key ``Id`` Edm.Int64, ``Nom`` and
  ``Code`` Edm.String) that every type starting with Id, Nom, Code derives from;
  such a type declares only its other properties;
* every other type declares all its properties and its own key;
* the abstract declarations a type inherits from (``Entity, abstract=True``, such
  as the model's person block) are a device of the declarations, not types of the
  document: a type lists the properties it inherits as its own (GraphV1 documents
  ``GraphV1.Base`` as the one base type, and its types derive from it directly);
* complex types (``edm.Complex``) are declared once each, enumerations
  (``edm.EnumString``) are plain Edm.String;
* single-valued navigations carry a referential constraint (the local foreign key
  to the target's key); collection-valued ones are declared without a partner;
* one entity set per entity type, with a navigation property binding per
  navigation.

The documents are pure functions of the schema and are memoised per schema.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

try:
    import orjson

    def _dumps(value: Any) -> bytes:
        return orjson.dumps(value)

except ImportError:  # pragma: no cover - orjson is a dependency of the server
    import json

    def _dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


from scolarite.schema import Entity, Schema, edm

EDMX_NS = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NS = "http://docs.oasis-open.org/odata/ns/edm"

BASE_TYPE_NAME = "Base"
# The shape of the base type: (name, EDM type name); the first is the key.
BASE_PROPERTIES = (("Id", "Edm.Int64"), ("Nom", "Edm.String"), ("Code", "Edm.String"))
BASE_FACETS: tuple[dict[str, Any], ...] = ({}, {"max_length": 255}, {"max_length": 255})

CORE_VOCABULARY = "Org.OData.Core.V1"
CORE_VOCABULARY_URI = "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml"

DATETIME_PRECISION = 7


# --------------------------------------------------------------------------- model
# A neutral description of the document, built once and rendered twice.


@dataclass(slots=True)
class _Prop:
    name: str
    type: str  # qualified type name of the item
    collection: bool = False
    nullable: bool = True
    scale: str | None = None
    precision: int | None = None
    computed: bool = False
    max_length: int | None = None

    @property
    def full_type(self) -> str:
        return f"Collection({self.type})" if self.collection else self.type


@dataclass(slots=True)
class _Nav:
    name: str
    type: str  # qualified entity type name
    collection: bool
    constraint: tuple[str, str] | None  # (local property, target key)
    target_set: str

    @property
    def full_type(self) -> str:
        return f"Collection({self.type})" if self.collection else self.type


@dataclass(slots=True)
class _Type:
    kind: str  # "EntityType" or "ComplexType"
    name: str
    abstract: bool = False
    base: str | None = None  # qualified base type name
    key: str | None = None  # key property name (own key only)
    properties: list[_Prop] = field(default_factory=list)
    navigations: list[_Nav] = field(default_factory=list)


@dataclass(slots=True)
class _Model:
    namespace: str
    container: str
    types: list[_Type] = field(default_factory=list)
    sets: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)  # (set, type, bindings)

    @property
    def uses_core(self) -> bool:
        return any(p.computed for t in self.types for p in t.properties)


def _qualify(namespace: str, name: str) -> str:
    return name if name.startswith(namespace + ".") else f"{namespace}.{name}"


def _local(namespace: str, name: str) -> str:
    prefix = namespace + "."
    return name.removeprefix(prefix)


def _scalar(namespace: str, typ: edm.EdmType) -> tuple[str, dict[str, Any]]:
    """The qualified type name and facets of a non-collection EDM type."""
    if isinstance(typ, edm.Complex):
        return _qualify(namespace, typ.type_name), {}
    if isinstance(typ, edm.String):  # EnumString included: members rendered by name
        return "Edm.String", {} if typ.max_length is None else {"max_length": typ.max_length}
    if isinstance(typ, edm.Decimal):
        return "Edm.Decimal", {"scale": "variable"}
    if isinstance(typ, edm.DateTimeOffset):
        return "Edm.DateTimeOffset", {"precision": DATETIME_PRECISION}
    return typ.name, {}


def _property(namespace: str, name: str, typ: edm.EdmType, *, nullable: bool, computed: bool = False) -> _Prop:
    collection = False
    if isinstance(typ, edm.Collection):
        collection, typ = True, typ.item
    elif isinstance(typ, edm.Complex) and typ.many:
        collection = True
    type_name, facets = _scalar(namespace, typ)
    return _Prop(name, type_name, collection=collection, nullable=nullable, computed=computed, **facets)


def _uses_base(entity: type[Entity]) -> bool:
    """Whether the entity type can be declared as deriving from the base type: it
    starts with Id, Nom, Code and their types (and the key) are the base's."""
    if not entity.derives_from_base():
        return False
    props = entity.properties
    if entity.key is not props.get("Id"):
        return False
    return all(
        _scalar("", props[name].edm) == (type_name, facets)
        for (name, type_name), facets in zip(BASE_PROPERTIES, BASE_FACETS, strict=True)
    )


def _base_type() -> _Type:
    key_name = BASE_PROPERTIES[0][0]
    props = [_Prop(n, t, nullable=(n != key_name), **f) for (n, t), f in zip(BASE_PROPERTIES, BASE_FACETS, strict=True)]
    return _Type("EntityType", BASE_TYPE_NAME, abstract=True, key=key_name, properties=props)


def _complex_types(namespace: str, entities: list[type[Entity]]) -> list[_Type]:
    """The complex types, once each, in order of first use."""
    seen: dict[str, edm.Complex] = {}
    types: list[_Type] = []
    for entity in entities:
        for prop in entity.properties.values():
            typ = prop.edm
            if not isinstance(typ, edm.Complex):
                continue
            qname = _qualify(namespace, typ.type_name)
            first = seen.get(qname)
            if first is None:
                seen[qname] = typ
                members = [_property(namespace, name, item, nullable=True) for name, item in typ.fields.items()]
                types.append(_Type("ComplexType", _local(namespace, typ.type_name), properties=members))
            elif [(k, v.name) for k, v in first.fields.items()] != [(k, v.name) for k, v in typ.fields.items()]:
                raise ValueError(
                    f"complex type {qname} is declared with different members by {entity.__name__}.{prop.name}"
                )
    return types


def _entity_type(schema: Schema, entity: type[Entity]) -> _Type:
    ns = schema.namespace
    derived = _uses_base(entity)
    skip = {name for name, _ in BASE_PROPERTIES} if derived else set()
    props = [
        _property(ns, name, prop.edm, nullable=prop.nullable and not prop.key, computed=prop.computed)
        for name, prop in entity.properties.items()
        if name not in skip
    ]
    navs = []
    for name, nav in entity.navigations.items():
        target = schema.entity(nav.target_name)
        constraint = None if nav.many else (nav.fk, target.key.name)
        navs.append(_Nav(name, _qualify(ns, target.__name__), nav.many, constraint, target.__entity_set__))
    return _Type(
        "EntityType",
        entity.__name__,
        base=f"{ns}.{BASE_TYPE_NAME}" if derived else None,
        key=None if derived else entity.key.name,
        properties=props,
        navigations=navs,
    )


def _build(schema: Schema, container: str) -> _Model:
    model = _Model(schema.namespace, container)
    entities = list(schema)
    if any(_uses_base(e) for e in entities):
        model.types.append(_base_type())
    model.types += _complex_types(schema.namespace, entities)
    for entity in entities:
        typ = _entity_type(schema, entity)
        model.types.append(typ)
        bindings = [(nav.name, nav.target_set) for nav in typ.navigations]
        model.sets.append((entity.__entity_set__, _qualify(schema.namespace, entity.__name__), bindings))
    return model


# ----------------------------------------------------------------------------- XML


def _xml(model: _Model) -> bytes:
    E = f"{{{EDMX_NS}}}"
    root = etree.Element(E + "Edmx", nsmap={"edmx": EDMX_NS})
    root.set("Version", "4.0")
    if model.uses_core:
        ref = etree.SubElement(root, E + "Reference", Uri=CORE_VOCABULARY_URI)
        etree.SubElement(ref, E + "Include", Namespace=CORE_VOCABULARY, Alias="Core")
    services = etree.SubElement(root, E + "DataServices")
    D = f"{{{EDM_NS}}}"
    schema_el = etree.SubElement(services, D + "Schema", nsmap={None: EDM_NS})
    schema_el.set("Namespace", model.namespace)

    for typ in model.types:
        type_el = etree.SubElement(schema_el, D + typ.kind, Name=typ.name)
        if typ.base:
            type_el.set("BaseType", typ.base)
        if typ.abstract:
            type_el.set("Abstract", "true")
        if typ.key:
            key_el = etree.SubElement(type_el, D + "Key")
            etree.SubElement(key_el, D + "PropertyRef", Name=typ.key)
        for prop in typ.properties:
            prop_el = etree.SubElement(type_el, D + "Property", Name=prop.name, Type=prop.full_type)
            if not prop.nullable:
                prop_el.set("Nullable", "false")
            if prop.max_length is not None:
                prop_el.set("MaxLength", str(prop.max_length))
            if prop.precision is not None:
                prop_el.set("Precision", str(prop.precision))
            if prop.scale is not None:
                prop_el.set("Scale", str(prop.scale))
            if prop.computed:
                etree.SubElement(prop_el, D + "Annotation", Term=f"{CORE_VOCABULARY}.Computed", Bool="true")
        for nav in typ.navigations:
            nav_el = etree.SubElement(type_el, D + "NavigationProperty", Name=nav.name, Type=nav.full_type)
            if nav.constraint:
                local, referenced = nav.constraint
                etree.SubElement(nav_el, D + "ReferentialConstraint", Property=local, ReferencedProperty=referenced)

    container_el = etree.SubElement(schema_el, D + "EntityContainer", Name=model.container)
    for set_name, type_qname, bindings in model.sets:
        set_el = etree.SubElement(container_el, D + "EntitySet", Name=set_name, EntityType=type_qname)
        for path, target in bindings:
            etree.SubElement(set_el, D + "NavigationPropertyBinding", Path=path, Target=target)

    body = bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


# ---------------------------------------------------------------------------- JSON


def _json_property(prop: _Prop) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if prop.collection:
        out["$Collection"] = True
    if prop.type != "Edm.String":
        out["$Type"] = prop.type
    if prop.nullable:
        out["$Nullable"] = True
    if prop.max_length is not None:
        out["$MaxLength"] = prop.max_length
    if prop.precision is not None:
        out["$Precision"] = prop.precision
    if prop.scale is not None:
        out["$Scale"] = prop.scale
    if prop.computed:
        out[f"@{CORE_VOCABULARY}.Computed"] = True
    return out


def _json(model: _Model) -> bytes:
    ns: dict[str, Any] = {}
    for typ in model.types:
        out: dict[str, Any] = {"$Kind": typ.kind}
        if typ.base:
            out["$BaseType"] = typ.base
        if typ.abstract:
            out["$Abstract"] = True
        if typ.key:
            out["$Key"] = [typ.key]
        for prop in typ.properties:
            out[prop.name] = _json_property(prop)
        for nav in typ.navigations:
            nav_out: dict[str, Any] = {"$Kind": "NavigationProperty", "$Type": nav.type}
            if nav.collection:
                nav_out["$Collection"] = True
            else:
                nav_out["$Nullable"] = True  # absent means false in CSDL JSON, true in XML
            if nav.constraint:
                local, referenced = nav.constraint
                nav_out["$ReferentialConstraint"] = {local: referenced}
            out[nav.name] = nav_out
        ns[typ.name] = out

    container: dict[str, Any] = {"$Kind": "EntityContainer"}
    for set_name, type_qname, bindings in model.sets:
        entry: dict[str, Any] = {"$Collection": True, "$Type": type_qname}
        if bindings:
            entry["$NavigationPropertyBinding"] = dict(bindings)
        container[set_name] = entry
    ns[model.container] = container

    doc: dict[str, Any] = {"$Version": "4.0", "$EntityContainer": f"{model.namespace}.{model.container}"}
    if model.uses_core:
        doc["$Reference"] = {CORE_VOCABULARY_URI: {"$Include": [{"$Namespace": CORE_VOCABULARY, "$Alias": "Core"}]}}
    doc[model.namespace] = ns
    return _dumps(doc)


# --------------------------------------------------------------------------- cache

_cache: weakref.WeakKeyDictionary[Schema, dict[tuple[str, str, int], bytes]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cached(kind: str, schema: Schema, container_name: str | None, render: Callable[[_Model], bytes]) -> bytes:
    container = container_name or schema.container or "Container"
    # The entity count is part of the key so that registering more types after a
    # first rendering is not hidden by the cache.
    key = (kind, container, len(schema))
    with _lock:
        per_schema = _cache.get(schema)
        if per_schema is not None and key in per_schema:
            return per_schema[key]
    document = render(_build(schema, container))
    with _lock:
        _cache.setdefault(schema, {})[key] = document
    return document


def csdl_xml(schema: Schema, container_name: str | None = None) -> bytes:
    """The CSDL XML (EDMX 4.0) document of ``schema``, UTF-8 with an XML declaration.

    ``container_name`` defaults to the schema's container name ("Container").
    """
    return _cached("xml", schema, container_name, _xml)


def csdl_json(schema: Schema, container_name: str | None = None) -> bytes:
    """The CSDL JSON document of ``schema`` (OData CSDL JSON, ``$Version`` 4.0)."""
    return _cached("json", schema, container_name, _json)
