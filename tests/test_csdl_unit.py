"""Unit tests of the CSDL documents (``$metadata`` in XML and JSON), no server.

No OASIS XSD ships in any installed or quickly reachable package, so the XML is
checked by a structural validator implementing the CSDL rules a client relies on
(type references resolve, keys exist and are non-nullable, bindings target entity
sets, names are SimpleIdentifiers, no duplicate members...).  python-odata's own
metadata parser is then run on the document offline.
"""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from scolarite.model import schema
from scolarite.odata.csdl import csdl_json, csdl_xml
from scolarite.schema import edm
from scolarite.schema import entity as decl

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
NS = {"edmx": EDMX, "edm": EDM}
NAMESPACE = schema.namespace  # "GraphV1"

SIMPLE_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
PRIMITIVES = {
    "Edm.Binary", "Edm.Boolean", "Edm.Byte", "Edm.Date", "Edm.DateTimeOffset", "Edm.Decimal",
    "Edm.Double", "Edm.Duration", "Edm.Guid", "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.SByte",
    "Edm.Single", "Edm.Stream", "Edm.String", "Edm.TimeOfDay",
}  # fmt: skip
BASE_PROPS = ["Id", "Nom", "Code"]


@pytest.fixture(scope="module")
def xml_bytes() -> bytes:
    return csdl_xml(schema)


@pytest.fixture(scope="module")
def doc(xml_bytes):
    return etree.fromstring(xml_bytes)


@pytest.fixture(scope="module")
def csdl_schema(doc):
    found = doc.xpath("edmx:DataServices/edm:Schema", namespaces=NS)
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def json_doc():
    return json.loads(csdl_json(schema))


def _types(csdl_schema, kind="EntityType"):
    return {el.get("Name"): el for el in csdl_schema.findall(f"edm:{kind}", NS)}


def _base_of(entity_types, name):
    """The local name of the declared base type, None when absent or unknown."""
    base = entity_types[name].get("BaseType")
    local = base.split(".", 1)[-1] if base else None
    return local if local in entity_types and local != name else None


def _all_properties(entity_types, name):
    """Structural property names of an entity type, inherited ones first."""
    base = _base_of(entity_types, name)
    inherited = _all_properties(entity_types, base) if base else []
    return inherited + [p.get("Name") for p in entity_types[name].findall("edm:Property", NS)]


def _all_members(entity_types, name):
    base = _base_of(entity_types, name)
    inherited = _all_members(entity_types, base) if base else []
    tags = (f"{{{EDM}}}Property", f"{{{EDM}}}NavigationProperty")
    return inherited + [m.get("Name") for m in entity_types[name] if m.tag in tags]


def _key(entity_types, name):
    refs = entity_types[name].findall("edm:Key/edm:PropertyRef", NS)
    if refs:
        return [r.get("Name") for r in refs]
    base = _base_of(entity_types, name)
    return _key(entity_types, base) if base else []


def _property_el(entity_types, name, prop):
    for p in entity_types[name].findall("edm:Property", NS):
        if p.get("Name") == prop:
            return p
    base = _base_of(entity_types, name)
    return _property_el(entity_types, base, prop) if base else None


# ------------------------------------------------------------------ (1) shape


def test_document_envelope(xml_bytes, doc, csdl_schema):
    assert xml_bytes.startswith(b"<?xml")
    assert b'encoding="utf-8"' in xml_bytes.split(b"\n", 1)[0].lower()
    assert doc.tag == f"{{{EDMX}}}Edmx"
    assert doc.get("Version") == "4.0"
    assert csdl_schema.get("Namespace") == NAMESPACE
    containers = csdl_schema.findall("edm:EntityContainer", NS)
    assert [c.get("Name") for c in containers] == ["Container"]


def test_one_entity_set_per_entity(csdl_schema):
    sets = csdl_schema.findall("edm:EntityContainer/edm:EntitySet", NS)
    assert len(schema) == 67
    assert len(sets) == len(schema)
    assert [s.get("Name") for s in sets] == [e.__entity_set__ for e in schema]
    assert [s.get("EntityType") for s in sets] == [f"{NAMESPACE}.{e.__name__}" for e in schema]


def test_base_type(csdl_schema):
    base = _types(csdl_schema)["Base"]
    assert base.get("Abstract") == "true"
    assert base.get("BaseType") is None
    assert [r.get("Name") for r in base.findall("edm:Key/edm:PropertyRef", NS)] == ["Id"]
    props = [(p.get("Name"), p.get("Type"), p.get("Nullable")) for p in base.findall("edm:Property", NS)]
    assert props == [("Id", "Edm.Int64", "false"), ("Nom", "Edm.String", None), ("Code", "Edm.String", None)]


def test_entity_types_declare_the_declared_properties_in_order(csdl_schema):
    entity_types = _types(csdl_schema)
    assert list(entity_types) == ["Base"] + [e.__name__ for e in schema]
    for entity in schema:
        el = entity_types[entity.__name__]
        if entity.derives_from_base():
            assert el.get("BaseType") == f"{NAMESPACE}.Base", entity.__name__
            assert el.find("edm:Key", NS) is None, entity.__name__
            own = [p.get("Name") for p in el.findall("edm:Property", NS)]
            assert own == list(entity.properties)[3:], entity.__name__
        else:
            assert el.get("BaseType") is None, entity.__name__
            assert _key(entity_types, entity.__name__) == [entity.key.name]
        assert _all_properties(entity_types, entity.__name__) == list(entity.properties), entity.__name__
        navs = [n.get("Name") for n in el.findall("edm:NavigationProperty", NS)]
        assert navs == list(entity.navigations), entity.__name__


def test_the_documented_exceptions_declare_their_own_key(csdl_schema):
    entity_types = _types(csdl_schema)
    for name in ("Campus", "SocieteFacturation", "Instance", "UserTemplate", "TypeFraisFormation",
                 "File", "Directory", "Description", "Webhook"):  # fmt: skip
        if name not in entity_types:
            continue
        assert entity_types[name].get("BaseType") is None, name
        assert entity_types[name].find("edm:Key/edm:PropertyRef", NS) is not None, name
    civilite = entity_types["Civilite"]
    assert civilite.get("BaseType") == f"{NAMESPACE}.Base"
    assert [p.get("Name") for p in civilite.findall("edm:Property", NS)] == ["NomLong", "GenreMale"]


def test_property_types_and_facets(csdl_schema):
    entity_types = _types(csdl_schema)
    complex_names = set(_types(csdl_schema, "ComplexType"))
    for entity in schema:
        for name, prop in entity.properties.items():
            el = _property_el(entity_types, entity.__name__, name)
            assert el is not None, (entity.__name__, name)
            if entity.derives_from_base() and name in BASE_PROPS:
                continue  # declared by the base type
            typ = prop.edm
            expected = typ.name
            if isinstance(typ, edm.Complex):
                local = typ.type_name.split(".")[-1]
                assert local in complex_names
                expected = f"Collection({NAMESPACE}.{local})" if typ.many else f"{NAMESPACE}.{local}"
            elif isinstance(typ, edm.EnumString):
                expected = "Edm.String"
            assert el.get("Type") == expected, (entity.__name__, name)
            non_nullable = prop.key or not prop.nullable
            assert el.get("Nullable") == ("false" if non_nullable else None), (entity.__name__, name)
            if isinstance(typ, edm.Decimal):
                assert el.get("Scale") == "variable"


def test_complex_types_declared_once_with_their_members(csdl_schema):
    complex_types = csdl_schema.findall("edm:ComplexType", NS)
    names = [c.get("Name") for c in complex_types]
    assert len(names) == len(set(names))
    by_name = {c.get("Name"): c for c in complex_types}
    used = {}
    for entity in schema:
        for prop in entity.properties.values():
            if isinstance(prop.edm, edm.Complex):
                used[prop.edm.type_name.split(".")[-1]] = prop.edm
    assert set(used) == set(names)
    for local, typ in used.items():
        members = [(p.get("Name"), p.get("Type")) for p in by_name[local].findall("edm:Property", NS)]
        assert members == [(k, v.name) for k, v in typ.fields.items()]


def test_navigations(csdl_schema):
    entity_types = _types(csdl_schema)
    for entity in schema:
        el = entity_types[entity.__name__]
        navs = {n.get("Name"): n for n in el.findall("edm:NavigationProperty", NS)}
        for name, nav in entity.navigations.items():
            target = schema.entity(nav.target_name)
            n = navs[name]
            qname = f"{NAMESPACE}.{target.__name__}"
            constraints = n.findall("edm:ReferentialConstraint", NS)
            if nav.many:
                assert n.get("Type") == f"Collection({qname})"
                assert n.get("Nullable") is None and n.get("Partner") is None
                assert constraints == []
            else:
                assert n.get("Type") == qname
                assert n.get("Nullable") in (None, "true")
                assert [(c.get("Property"), c.get("ReferencedProperty")) for c in constraints] == [
                    (nav.fk, target.key.name)
                ]


# --------------------------------------------------- (2) structural validation


# Every element is in the EDM namespace and is one CSDL knows in this place.
ALLOWED_CHILDREN = {
    "Schema": {"EntityType", "ComplexType", "EntityContainer"},
    "EntityType": {"Key", "Property", "NavigationProperty"},
    "ComplexType": {"Property"},
    "Key": {"PropertyRef"},
    "Property": {"Annotation"},
    "NavigationProperty": {"ReferentialConstraint"},
    "ReferentialConstraint": set(),
    "PropertyRef": set(),
    "Annotation": set(),
    "EntityContainer": {"EntitySet"},
    "EntitySet": {"NavigationPropertyBinding"},
    "NavigationPropertyBinding": set(),
}


class _Document:
    """The parts of the document the structural checks look at."""

    def __init__(self, csdl_schema):
        self.schema = csdl_schema
        self.entity_types = _types(csdl_schema)
        self.complex_types = _types(csdl_schema, "ComplexType")
        container = csdl_schema.find("edm:EntityContainer", NS)
        self.entity_sets = {s.get("Name"): s for s in container.findall("edm:EntitySet", NS)}
        self.structured = {f"{NAMESPACE}.{n}" for n in list(self.entity_types) + list(self.complex_types)}
        self.entity_names = {f"{NAMESPACE}.{n}" for n in self.entity_types}

    def resolves(self, type_name: str, allow_entity: bool = False) -> bool:
        inner = type_name[len("Collection(") : -1] if type_name.startswith("Collection(") else type_name
        if inner in PRIMITIVES:
            return True
        if inner in {f"{NAMESPACE}.{n}" for n in self.complex_types}:
            return True
        return allow_entity and inner in self.entity_names


def _element_errors(doc: _Document) -> list[str]:
    errors = []
    for el in doc.schema.iter():
        if not isinstance(el.tag, str):
            continue
        ns, local = el.tag[1:].split("}")
        if ns != EDM:
            errors.append(f"element {el.tag} outside the EDM namespace")
            continue
        for child in el:
            if isinstance(child.tag, str) and child.tag.split("}")[1] not in ALLOWED_CHILDREN.get(local, set()):
                errors.append(f"{child.tag} not allowed in {local}")
        if el.get("Nullable") not in (None, "true", "false"):
            errors.append(f"{local} {el.get('Name')}: Nullable={el.get('Nullable')}")
        name = el.get("Name")
        named = ("EntityType", "ComplexType", "Property", "NavigationProperty", "EntityContainer", "EntitySet")
        if local in named and (not name or not SIMPLE_IDENTIFIER.match(name)):
            errors.append(f"{local} name {name!r} is not a SimpleIdentifier")
    # Schema children share one symbol space.
    children = [c.get("Name") for c in doc.schema if isinstance(c.tag, str)]
    if len(children) != len(set(children)):
        errors.append("duplicate schema child names")
    return errors


def _property_errors(doc: _Document) -> list[str]:
    errors = []
    for kind, types in (("EntityType", doc.entity_types), ("ComplexType", doc.complex_types)):
        for name, el in types.items():
            for p in el.findall("edm:Property", NS):
                t = p.get("Type") or ""
                if not doc.resolves(t):
                    errors.append(f"{name}.{p.get('Name')}: unresolved type {t}")
                if p.get("Scale") is not None and (
                    t != "Edm.Decimal" or not (p.get("Scale") in ("variable", "floating") or p.get("Scale").isdigit())
                ):
                    errors.append(f"{name}.{p.get('Name')}: bad Scale")
                if p.get("Precision") is not None:
                    if t not in ("Edm.DateTimeOffset", "Edm.Decimal", "Edm.Duration", "Edm.TimeOfDay"):
                        errors.append(f"{name}.{p.get('Name')}: Precision on {t}")
                    elif t == "Edm.DateTimeOffset" and not 0 <= int(p.get("Precision")) <= 12:
                        errors.append(f"{name}.{p.get('Name')}: bad Precision")
            if kind == "ComplexType":
                names = [p.get("Name") for p in el.findall("edm:Property", NS)]
                if len(names) != len(set(names)):
                    errors.append(f"{name}: duplicate members")
    return errors


def _entity_type_errors(doc: _Document, name: str, el) -> list[str]:
    entity_types, errors = doc.entity_types, []
    base = el.get("BaseType")
    if base is not None and base not in doc.entity_names:
        return [f"{name}: unknown BaseType {base}"]
    own_key = el.findall("edm:Key/edm:PropertyRef", NS)
    if base is not None and own_key:
        errors.append(f"{name}: a derived type may not redeclare the key")
    if base is None and not own_key and el.get("Abstract") != "true":
        errors.append(f"{name}: no key")
    members = _all_members(entity_types, name)
    if len(members) != len(set(members)):
        dup = sorted({m for m in members if members.count(m) > 1})
        errors.append(f"{name}: duplicate members {dup}")
    if name in members:
        errors.append(f"{name}: a member has the name of its type")
    for key in _key(entity_types, name):
        prop = _property_el(entity_types, name, key)
        if prop is None:
            errors.append(f"{name}: key {key} is not a property")
        elif prop.get("Nullable") != "false":
            errors.append(f"{name}: key {key} is nullable")
        elif not prop.get("Type", "").startswith("Edm.") or prop.get("Type") == "Edm.Stream":
            errors.append(f"{name}: key {key} is not primitive")
    for n in el.findall("edm:NavigationProperty", NS):
        errors += _navigation_errors(doc, name, n)
    return errors


def _navigation_errors(doc: _Document, name: str, n) -> list[str]:
    t = n.get("Type") or ""
    if not doc.resolves(t, allow_entity=True) or t.split("(")[-1].rstrip(")") not in doc.structured:
        return [f"{name}.{n.get('Name')}: unresolved navigation type {t}"]
    errors = []
    many = t.startswith("Collection(")
    if many and n.get("Nullable") is not None:
        errors.append(f"{name}.{n.get('Name')}: Nullable on a collection navigation")
    target = t[len("Collection(") : -1] if many else t
    target_local = target.split(".", 1)[1]
    if target_local not in doc.entity_types:
        return [*errors, f"{name}.{n.get('Name')}: navigation to a non-entity type"]
    for c in n.findall("edm:ReferentialConstraint", NS):
        local = _property_el(doc.entity_types, name, c.get("Property"))
        referenced = _property_el(doc.entity_types, target_local, c.get("ReferencedProperty"))
        if local is None or referenced is None:
            errors.append(f"{name}.{n.get('Name')}: referential constraint on unknown properties")
        elif local.get("Type") != referenced.get("Type"):
            errors.append(f"{name}.{n.get('Name')}: constraint types differ")
    return errors


def _entity_set_errors(doc: _Document, set_name: str, s) -> list[str]:
    entity_types, entity_sets = doc.entity_types, doc.entity_sets
    t = s.get("EntityType")
    if t not in doc.entity_names:
        return [f"set {set_name}: unknown type {t}"]
    errors = []
    local = t.split(".", 1)[1]
    if entity_types[local].get("Abstract") == "true":
        errors.append(f"set {set_name}: abstract type")
    navs = {}
    current = local
    while current:
        for n in entity_types[current].findall("edm:NavigationProperty", NS):
            navs[n.get("Name")] = n.get("Type")
        current = _base_of(entity_types, current)
    paths = [b.get("Path") for b in s.findall("edm:NavigationPropertyBinding", NS)]
    if len(paths) != len(set(paths)):
        errors.append(f"set {set_name}: duplicate binding paths")
    for b in s.findall("edm:NavigationPropertyBinding", NS):
        path, target = b.get("Path"), b.get("Target")
        if path not in navs:
            errors.append(f"set {set_name}: binding path {path} is not a navigation")
            continue
        if target not in entity_sets:
            errors.append(f"set {set_name}: binding target {target} is not an entity set")
            continue
        nav_type = navs[path]
        nav_type = nav_type[len("Collection(") : -1] if nav_type.startswith("Collection(") else nav_type
        if entity_sets[target].get("EntityType") != nav_type:
            errors.append(f"set {set_name}: binding {path} targets a set of another type")
    if set(paths) != set(navs):
        errors.append(f"set {set_name}: navigations without binding {sorted(set(navs) - set(paths))}")
    return errors


def test_structural_validity(csdl_schema):
    """The CSDL rules an XSD (and a client) would enforce, checked by hand."""
    doc = _Document(csdl_schema)
    errors = _element_errors(doc) + _property_errors(doc)
    for name, el in doc.entity_types.items():
        errors += _entity_type_errors(doc, name, el)
    for set_name, s in doc.entity_sets.items():
        errors += _entity_set_errors(doc, set_name, s)
    assert not errors, "\n".join(errors)


def test_enumerations_render_as_strings(csdl_schema):
    entity_types = _types(csdl_schema)
    seen = 0
    for entity in schema:
        for name, prop in entity.properties.items():
            if isinstance(prop.edm, edm.EnumString):
                seen += 1
                assert _property_el(entity_types, entity.__name__, name).get("Type") == "Edm.String"
    assert seen >= 1
    assert csdl_schema.findall("edm:EnumType", NS) == []


# --------------------------------------------------------- (3) python-odata


def test_python_odata_reflects_the_document_offline(xml_bytes):
    """python-odata's reflection, fed the document instead of an HTTP response.

    ``MetaData.load_document`` is the only method doing I/O; replacing it on the
    instance lets ``get_entity_sets`` run its real parsing and class building.
    """
    from odata import ODataService
    from odata.property import NavigationProperty, PropertyBase

    service = ODataService("http://127.0.0.1:9/GraphV1/", reflect_entities=False, quiet_progress=True)
    service.metadata.load_document = lambda: etree.fromstring(xml_bytes)
    _, sets, types = service.metadata.get_entity_sets(base=service.Entity)

    assert set(sets) == {e.__entity_set__ for e in schema}
    assert f"{NAMESPACE}.Base" in types
    for name in ("Mail", "Apprenant"):
        entity = schema.entity(name)
        cls = sets[name]
        assert cls.__odata_collection__ == name
        assert cls.__odata_type__ == f"{NAMESPACE}.{entity.__name__}"
        props = dict(cls().__odata__.properties)
        assert set(props) == set(entity.properties)
        assert [p for p, v in props.items() if v.primary_key] == ["Id"]
        for nav_name, nav in entity.navigations.items():
            reflected = getattr(cls, nav_name)
            assert isinstance(reflected, NavigationProperty)
            assert reflected.is_collection == nav.many
            if not nav.many:
                assert reflected.foreign_key == nav.fk
        assert all(isinstance(v, PropertyBase) for v in props.values())
    # A typed query can be built against the reflected classes.
    mail = sets["Mail"]
    assert service.query(mail).filter(mail.Adresse == "a@b.c") is not None


# ------------------------------------------------------------------- (4) JSON


def test_json_document(json_doc):
    assert json_doc["$Version"] == "4.0"
    assert json_doc["$EntityContainer"] == f"{NAMESPACE}.Container"
    ns = json_doc[NAMESPACE]
    assert ns["Base"] == {
        "$Kind": "EntityType",
        "$Abstract": True,
        "$Key": ["Id"],
        "Id": {"$Type": "Edm.Int64"},
        "Nom": {"$Nullable": True, "$MaxLength": 255},
        "Code": {"$Nullable": True, "$MaxLength": 255},
    }
    for entity in schema:
        t = ns[entity.__name__]
        assert t["$Kind"] == "EntityType"
        if entity.derives_from_base():
            assert t["$BaseType"] == f"{NAMESPACE}.Base" and "$Key" not in t
        else:
            assert t["$Key"] == [entity.key.name] and "$BaseType" not in t
        members = [k for k in t if not k.startswith("$") and not k.startswith("@")]
        skip = BASE_PROPS if entity.derives_from_base() else []
        expected = [p for p in entity.properties if p not in skip] + list(entity.navigations)
        assert members == expected, entity.__name__
    container = ns["Container"]
    assert container["$Kind"] == "EntityContainer"
    sets = {k: v for k, v in container.items() if not k.startswith("$")}
    assert list(sets) == [e.__entity_set__ for e in schema]
    for entity in schema:
        s = sets[entity.__entity_set__]
        assert s["$Collection"] is True and s["$Type"] == f"{NAMESPACE}.{entity.__name__}"
        bindings = s.get("$NavigationPropertyBinding", {})
        assert bindings == {n: schema.entity(nav.target_name).__entity_set__ for n, nav in entity.navigations.items()}


def test_json_and_xml_describe_the_same_model(csdl_schema, json_doc):
    """Read both documents with each format's defaults and compare member by member."""
    ns = json_doc[NAMESPACE]

    def from_xml():
        out = {}
        for kind in ("EntityType", "ComplexType"):
            for name, el in _types(csdl_schema, kind).items():
                members = {}
                for p in el.findall("edm:Property", NS):
                    members[p.get("Name")] = (
                        "P", p.get("Type"), p.get("Nullable", "true") == "true", p.get("Scale"), p.get("Precision"),
                    )  # fmt: skip
                for n in el.findall("edm:NavigationProperty", NS):
                    rc = {
                        c.get("Property"): c.get("ReferencedProperty")
                        for c in n.findall("edm:ReferentialConstraint", NS)
                    }
                    many = n.get("Type").startswith("Collection(")
                    nullable = None if many else n.get("Nullable", "true") == "true"
                    members[n.get("Name")] = ("N", n.get("Type"), nullable, rc)
                key = [r.get("Name") for r in el.findall("edm:Key/edm:PropertyRef", NS)] or None
                out[name] = (kind, el.get("BaseType"), el.get("Abstract") == "true", key, members)
        return out

    def from_json():
        out = {}
        for name, t in ns.items():
            if t["$Kind"] not in ("EntityType", "ComplexType"):
                continue
            members = {}
            for m, v in t.items():
                if m.startswith(("$", "@")):
                    continue
                typ = v.get("$Type", "Edm.String")
                if v.get("$Collection"):
                    typ = f"Collection({typ})"
                if v.get("$Kind") == "NavigationProperty":
                    nullable = None if v.get("$Collection") else v.get("$Nullable", False)
                    members[m] = ("N", typ, nullable, v.get("$ReferentialConstraint", {}))
                else:
                    precision = v.get("$Precision")
                    members[m] = (
                        "P", typ, v.get("$Nullable", False), v.get("$Scale"), None if precision is None else str(precision),  # noqa: E501
                    )  # fmt: skip
            out[name] = (t["$Kind"], t.get("$BaseType"), t.get("$Abstract", False), t.get("$Key"), members)
        return out

    assert from_json() == from_xml()


# ------------------------------------------------------- generic behaviour


def test_documents_are_memoised_and_deterministic():
    assert csdl_xml(schema) is csdl_xml(schema)
    assert csdl_json(schema) is csdl_json(schema)
    assert csdl_xml(schema, "Container") == csdl_xml(schema)


def _toy_schema(namespace="Toy"):
    class Thing(decl.Entity):
        Id = decl.Int64(key=True)
        Nom = decl.String()
        Code = decl.String(nullable=True)
        Price = decl.Decimal()
        Tags = decl.Collection(edm.String)
        When = decl.DateTimeOffset()
        Kind = decl.Enum("A", "B", default="A")
        OwnerId = decl.Guid()
        Owner = decl.Navigation("Owners", fk="OwnerId")

    class Owner(decl.Entity):
        __entity_set__ = "Owners"
        Uid = decl.Guid(key=True)
        Label = decl.String()
        Spec = decl.ComplexValue(f"{namespace}.Spec", {"A": edm.Int32, "B": edm.String})
        Things = decl.Navigation("Thing", fk="OwnerId", many=True)

    toy = decl.Schema(namespace)
    toy.register(Thing, Owner)
    return toy


def test_a_small_schema_with_another_container_name():
    toy = _toy_schema()
    root = etree.fromstring(csdl_xml(toy, "Other"))
    s = root.find("edmx:DataServices/edm:Schema", NS)
    assert s.get("Namespace") == "Toy"
    assert s.find("edm:EntityContainer", NS).get("Name") == "Other"
    thing = _types(s)["Thing"]
    assert thing.get("BaseType") == "Toy.Base"
    props = {p.get("Name"): dict(p.attrib) for p in thing.findall("edm:Property", NS)}
    assert props["Price"] == {"Name": "Price", "Type": "Edm.Decimal", "Nullable": "false", "Scale": "variable"}
    assert props["Tags"]["Type"] == "Collection(Edm.String)"
    assert props["When"]["Type"] == "Edm.DateTimeOffset" and "Nullable" not in props["When"]
    assert props["Kind"]["Type"] == "Edm.String"
    owner = _types(s)["Owner"]
    assert owner.get("BaseType") is None
    assert [r.get("Name") for r in owner.findall("edm:Key/edm:PropertyRef", NS)] == ["Uid"]
    nav = owner.find("edm:NavigationProperty", NS)
    assert nav.get("Type") == "Collection(Toy.Thing)"
    assert [c.get("Name") for c in s.findall("edm:ComplexType", NS)] == ["Spec"]
    sets = s.findall("edm:EntityContainer/edm:EntitySet", NS)
    assert [(e.get("Name"), e.get("EntityType")) for e in sets] == [("Thing", "Toy.Thing"), ("Owners", "Toy.Owner")]
    binding = sets[0].find("edm:NavigationPropertyBinding", NS)
    assert (binding.get("Path"), binding.get("Target")) == ("Owner", "Owners")

    doc = json.loads(csdl_json(toy, "Other"))
    assert doc["$EntityContainer"] == "Toy.Other"
    assert doc["Toy"]["Thing"]["Owner"] == {
        "$Kind": "NavigationProperty",
        "$Type": "Toy.Owner",
        "$Nullable": True,
        "$ReferentialConstraint": {"OwnerId": "Uid"},
    }
    assert doc["Toy"]["Owner"]["Spec"] == {"$Type": "Toy.Spec", "$Nullable": True}
    assert doc["Toy"]["Thing"]["Tags"] == {"$Collection": True, "$MaxLength": 4000}


def test_conflicting_complex_type_declarations_are_refused():
    class One(decl.Entity):
        Id = decl.Int64(key=True)
        V = decl.ComplexValue("Toy.Spec", {"A": edm.Int32})

    class Two(decl.Entity):
        Id = decl.Int64(key=True)
        V = decl.ComplexValue("Toy.Spec", {"A": edm.String})

    toy = decl.Schema("Toy")
    toy.register(One, Two)
    with pytest.raises(ValueError, match=r"Toy\.Spec"):
        csdl_xml(toy)


# ------------------------------------------------- declarations: inheritance


def test_an_inherited_block_comes_first_and_an_override_keeps_its_place():
    class Named(decl.Entity, abstract=True):
        Id = decl.Int64(key=True)
        Nom = decl.String()
        Code = decl.String()

    class Thing(Named):
        Label = decl.String()
        Nom = decl.String(required=True, index=True)

    assert list(Thing.properties) == ["Id", "Nom", "Code", "Label"]
    assert Thing.properties["Nom"].required and Thing.properties["Nom"].index
    assert not Named.properties["Nom"].required
    assert Thing.key is Thing.properties["Id"] and Thing.key is not Named.key  # each owns its members
    assert all(getattr(Thing, name) is prop for name, prop in Thing.properties.items())
    toy = decl.Schema("Toy")
    with pytest.raises(TypeError, match="abstract"):
        toy.register(Named)
    toy.register(Thing)
    assert list(toy) == [Thing]


def test_a_reference_implies_its_navigation():
    class Person(decl.Entity, abstract=True):
        Id = decl.Int64(key=True)
        CountryId = decl.Int64(ref="Country")

    class Country(decl.Entity):
        Id = decl.Int64(key=True)
        CapitalId = decl.Int64(ref="Town")
        Towns = decl.Navigation("Town", fk="CountryId", many=True)

    class Town(Person):
        MayorId = decl.Int64(ref="Mayor")
        Mayor = decl.Navigation("Mayor", fk="MayorId")  # declared: replaces the implied one in place
        Twin = decl.Navigation("Town", fk="TwinTownId")  # a reference under another name
        TwinTownId = decl.Int64(ref="Town")
        Label = decl.String()

    class Mayor(Person):
        pass

    assert list(Country.navigations) == ["Capital", "Towns"]
    assert list(Town.navigations) == ["Country", "Mayor", "Twin"]
    assert (Town.Mayor.target_name, Town.Mayor.fk, Town.Mayor.implied) == ("Mayor", "MayorId", False)
    country = Town.navigations["Country"]
    assert (country.target_name, country.fk, country.many, country.implied) == ("Country", "CountryId", False, True)
    assert country is not Mayor.navigations["Country"] and Mayor.navigations["Country"].owner is Mayor
    toy = decl.Schema("Toy")
    toy.register(Country, Town, Mayor)
    toy.validate()
    assert country.owner is Town and country.target is Country
    with pytest.raises(TypeError, match="implies"):

        class Clash(decl.Entity):
            Id = decl.Int64(key=True)
            Country = decl.String()
            CountryId = decl.Int64(ref="Country")


def test_the_person_types_inherit_the_person_block(csdl_schema):
    """Declared once (``model/abstract.py``), rendered as before: the block is a device
    of the declarations, not a type of the document (GraphV1 documents GraphV1.Base only)."""
    from scolarite.model.abstract import Base, Personne

    persons = [e for e in schema if issubclass(e, Personne)]
    assert [e.__name__ for e in persons] == [
        "Apprenant", "Tuteur", "Client", "Professionnel", "Enseignant", "Candidat", "Agent",
    ]  # fmt: skip
    block = list(Personne.properties)
    assert len(block) == 29 and block[:3] == BASE_PROPS and block[-1] == "HasChosenMarketing"
    for entity in persons:
        assert list(entity.properties)[: len(block)] == block, entity.__name__
        assert list(entity.navigations)[:8] == list(Personne.navigations), entity.__name__
    assert schema.entity("Apprenant").properties["Nom"].required
    assert not schema.entity("Tuteur").properties["Nom"].required
    assert schema.entity("Professionnel").properties["Fonction"].default == "Dirigeant"
    assert schema.entity("Tuteur").properties["Fonction"].default == ""
    assert all(issubclass(e, Base) == e.derives_from_base() for e in schema)
    entity_types = _types(csdl_schema)
    assert "Personne" not in entity_types
    apprenant = entity_types["Apprenant"]
    assert apprenant.get("BaseType") == f"{NAMESPACE}.Base"
    assert [p.get("Name") for p in apprenant.findall("edm:Property", NS)][: len(block) - 3] == block[3:]
