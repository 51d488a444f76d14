"""Write the entity declarations of ``src/scolarite/model/`` from the GraphV1 spec.

Used once to bootstrap the model from ``../shared/spec/entities.json``; the
generated modules are then the source of truth and are edited by hand (the
messages of ``__unique__``, write-only and computed properties, lengths...).
``python tools/gen_model.py --check`` compares the model with the spec instead of
writing it: it prints the sets and properties that differ (names, order, EDM types,
nullability, references) and exits 1 if any does.

The generated declarations inherit the blocks of ``model/abstract.py`` (GraphV1.Base
and the person block) and declare again only the inherited properties the spec
constrains further; single-valued navigations are implied by the references.

The spec's examples are copied to ``tests/fixtures/examples`` at the same time so
that the tests do not depend on a checkout of the spec beside the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

Spec = dict[str, Any]  # an entity set or a property of the spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec"
OUT = ROOT / "src" / "scolarite" / "model"

UNIVERSES = {
    "Core": "core",
    "Hérité": "core",
    "Référentiel": "core",
    "Intégration": "core",
    "Inscription": "inscription",
    "Admission": "admission",
    "Finance": "finance",
    "File": "file",
    "Pédagogie": "pedagogie",
    "Académie": "pedagogie",
    "Relation entreprise": "relation_entreprise",
}
LEGACY_SCHEMA = {
    "core": "myapp",
    "inscription": "inscription",
    "admission": "recrutement",
    "finance": "finance",
    "file": "file",
    "pedagogie": "pedagogie",
    "relation_entreprise": "entreprise",
}
SIMPLE = {
    "Edm.String": "String",
    "Edm.Int64": "Int64",
    "Edm.Int32": "Int32",
    "Edm.Boolean": "Boolean",
    "Edm.Double": "Double",
    "Edm.Decimal": "Decimal",
    "Edm.Guid": "Guid",
    "Edm.DateTimeOffset": "DateTimeOffset",
}
TYPE_DEFAULT = {"String": "", "Int64": 0, "Int32": 0, "Boolean": False, "Double": 0.0, "Decimal": 0.0}

# Collection navigations the spec documents (the single-valued ones are derived
# from every foreign key: ``CiviliteId`` gives ``Civilite``).
COLLECTION_NAVS = {
    ("Inscription", "InscriptionPeriodes"): ("InscriptionPeriode", "InscriptionId"),
    ("Parcours", "ParcoursPeriodes"): ("ParcoursPeriode", "ParcoursId"),
    ("Candidat", "Dossiers"): ("Dossier", "CandidatId"),
}
# Properties the documented queries filter or sort on, beyond foreign keys
# (foreign keys are always indexed).
INDEXED = {
    ("Mail", "Adresse"),
    ("Apprenant", "Code"),
    ("Apprenant", "Nom"),
    ("Apprenant", "Prenoms"),
    ("Client", "ReferenceId"),
    ("ReferenceExterne", "IdObjet"),
    ("ReferenceExterne", "Type"),
    ("Commentaire", "Reference"),
    ("Candidat", "Nom"),
    ("Candidat", "Numero"),
    ("Convention", "Code"),
    ("Dossier", "Code"),
    ("Directory", "Path"),
    ("TypeSequence", "Code"),
    ("Recrutement", "ReferenceExterneId"),
}
EXTRA_REQUIRED = {("Mail", "Adresse")}
UTC_SETS = {"File", "Directory"}
# What a generated module may import: the vocabulary, and the model's shared declarations.
VOCABULARY = ["Boolean", "Collection", "DateTimeOffset", "Decimal", "Double", "Entity", "Enum", "Guid", "Int32"]
VOCABULARY += ["Int64", "Navigation", "String", "edm"]
LOCAL = {"_types": ["campus_adresse", "parametre_codes", "parametres"], "abstract": ["Base", "Personne"]}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def literal(value: Any) -> str:
    """``value`` as Python source, strings in double quotes (as ruff formats them)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def default_of(p: Spec) -> Any:
    src = p["default_on_create_source"]
    if (
        src.startswith("create-response")
        and p["default_on_create"] not in (None,)
        and not str(p["default_on_create"]).startswith("<")
    ):
        return p["default_on_create"]
    if src.startswith("create-response") and p["default_on_create"] is None:
        return None
    return p.get("reset_value", None)


def _complex_line(es: Spec, name: str, t: str) -> str | None:
    """The declaration of a complex or collection property, None for the others."""
    if t == "Collection(GraphV1.Parametre)":
        return f"{name} = parametre_codes()" if es["name"] == "Recrutement" else f"{name} = parametres()"
    if t.startswith("GraphV1.CampusAdresse"):
        return f"{name} = campus_adresse()"
    if t.startswith("Collection(Edm."):
        return f"{name} = Collection(edm.{t[len('Collection(Edm.') : -1]})"
    return None


def _scalar_args(es: Spec, p: Spec, kind: str, key: str) -> list[str]:
    """The nullability and default arguments of a primitive property."""
    name, default, nullable = p["name"], default_of(p), bool(p["nullable"])
    if kind == "DateTimeOffset":
        return (["utc=True"] if es["name"] in UTC_SETS else []) + ([] if nullable else ["nullable=False"])
    if name == key:
        return []
    if nullable:
        return ["nullable=True"] + ([] if default is None else [f"default={literal(default)}"])
    if default is None:
        default = TYPE_DEFAULT.get(kind)
    if default != TYPE_DEFAULT.get(kind) or type(default) is not type(TYPE_DEFAULT.get(kind)):
        if not (kind in ("Double", "Decimal") and isinstance(default, int | float) and float(default) == 0.0):
            return [f"default={literal(default)}"]
    return []


def prop_line(es: Spec, p: Spec, names: set[str], key: str) -> str:
    """The declaration of one property (without its indentation)."""
    t, name = p["edm_type"], p["name"]
    complex_line = _complex_line(es, name, t)
    if complex_line:
        return complex_line
    kind, args = SIMPLE.get(t), list[str]()
    if t.startswith("Edm.String (enum"):
        members = p.get("enum_values")
        kind, args = ("Enum", [literal(m) for m in members]) if members else ("String", [])
    assert kind, (es["name"], name, t)
    if name == key:
        args.append("key=True")
    args += _scalar_args(es, p, kind, key)
    if name in es.get("required_on_create", []) or (es["name"], name) in EXTRA_REQUIRED:
        args.append("required=True")
    fk = p.get("foreign_key_to")
    if fk and fk in names and name != key and kind in ("Int64", "Int32"):
        args.append(f"ref={literal(fk)}")
    if (es["name"], name) in INDEXED:
        args.append("index=True")
    return f"{name} = {kind}({', '.join(args)})"


def _abstract_blocks() -> dict[str, dict[str, str]]:
    """The declarations of ``model/abstract.py``: {class: {property: declaration}}, the
    bases' properties included, most specific class first."""
    blocks: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in (OUT / "abstract.py").read_text().splitlines():
        declared = re.match(r"^class (\w+)\((\w+)", line)
        if declared:
            current = dict(blocks.get(declared.group(2), {}))
            blocks[declared.group(1)] = current
        elif re.match(r"^    \w+ = \w+\(", line):
            current[line.split(" = ")[0].strip()] = line.strip()
    return dict(reversed(blocks.items()))


def class_source(es: Spec, names: set[str]) -> str:
    props = es["properties"]
    key = es["key"].split(" ")[0]
    universe = UNIVERSES[es["universe"]]
    legacy = es.get("legacy_name") or f"{LEGACY_SCHEMA[universe]}.T_{snake(es['name'])}"
    rules = ", ".join(r["id"] for r in es.get("rules", []))
    doc = f"{es.get('french_label') or es['name']}." + (f" Rules: {rules}." if rules else "")
    lines = [prop_line(es, p, names, key) for p in props]
    parent, inherited = "Entity", {}
    for block, declared in _abstract_blocks().items():
        if [line.split(" = ")[0] for line in lines[: len(declared)]] == list(declared):
            parent, inherited = block, declared
            break
    own = [line for line in lines if inherited.get(line.split(" = ")[0]) != line]
    navs = [
        f'{nav} = Navigation("{target}", fk="{fk}", many=True)'
        for (owner, nav), (target, fk) in COLLECTION_NAVS.items()
        if owner == es["name"]
    ]
    body = [f'__legacy__ = "{legacy}"', *own] + (["", *navs] if navs else [])
    return "\n".join(
        [f"class {es['name']}({parent}):", f'    """{doc}"""', ""] + [f"    {b}" if b else "" for b in body]
    )


def module_source(module: str, members: list[Spec], names: set[str]) -> str:
    classes = "\n\n\n".join(class_source(es, names) for es in members)
    used = sorted((n for n in VOCABULARY if re.search(rf"\b{n}\b", classes)), key=lambda n: (n != n.upper(), n))
    local = {m: [n for n in ns if re.search(rf"\b{n}\b", classes)] for m, ns in LOCAL.items()}
    head = [f'"""{module.replace("_", " ").capitalize()} entities."""', ""]
    head.append("from scolarite.schema import " + ", ".join(used))
    imports = [f"from .{m} import {', '.join(ns)}" for m, ns in local.items() if ns]
    head += ["", *imports] if imports else []
    entities = "ENTITIES = [" + ", ".join(es["name"] for es in members) + "]"
    if len(entities) > 120:
        entities = "ENTITIES = [\n" + "".join(f"    {es['name']},\n" for es in members) + "]"
    return "\n".join(head) + "\n\n\n" + classes + "\n\n\n" + entities + "\n"


def check(sets: list[Spec]) -> list[str]:
    """How the model differs from the spec: names and order, types, nullability, references."""
    sys.path.insert(0, str(ROOT / "src"))
    from scolarite.model import schema

    differences = [
        f"{e.__entity_set__}: not in the spec" for e in schema if e.__entity_set__ not in {s["name"] for s in sets}
    ]
    for es in sets:
        entity = schema.get(es["name"])
        if entity is None:
            differences.append(f"{es['name']}: not in the model; its declaration would be:\n{class_source(es, set())}")
            continue
        if [p["name"] for p in es["properties"]] != list(entity.properties):
            differences.append(f"{es['name']}: the properties or their order differ")
        for p in es["properties"]:
            prop, t = entity.properties.get(p["name"]), p["edm_type"]
            if prop is None or t not in SIMPLE:
                continue
            where = f"{es['name']}.{p['name']}"
            if prop.edm.name != t:
                differences.append(f"{where}: {prop.edm.name} in the model, {t} in the spec")
            if t != "Edm.DateTimeOffset" and not prop.key and prop.nullable != bool(p["nullable"]):
                differences.append(f"{where}: nullable {prop.nullable} in the model, {p['nullable']} in the spec")
            fk = p.get("foreign_key_to")
            if fk and schema.get(fk) and not prop.key and t in ("Edm.Int64", "Edm.Int32") and prop.ref != fk:
                differences.append(f"{where}: references {prop.ref} in the model, {fk} in the spec")
    return differences


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", type=Path, default=SPEC)
    ap.add_argument("--check", action="store_true", help="compare the model with the spec; write nothing")
    args = ap.parse_args()
    data = json.loads((args.spec / "entities.json").read_text())
    sets = data["entity_sets"]
    if args.check:
        differences = check(sets)
        print("\n".join(differences) or f"the model matches the spec ({len(sets)} entity sets)")
        return 1 if differences else 0
    names = {e["name"] for e in sets}
    modules: dict[str, list[Spec]] = {}
    for es in sets:
        modules.setdefault(UNIVERSES[es["universe"]], []).append(es)
    for module, members in modules.items():
        (OUT / f"{module}.py").write_text(module_source(module, members, names))
    order = list(modules)
    init = '"""The GraphV1 model: every entity set of the service, by universe."""\n\n'
    init += "from scolarite.schema import Schema\n\n"
    init += "from . import " + ", ".join(order) + "\n\n"
    init += 'schema = Schema("GraphV1")\n'
    for m in order:
        init += f"schema.register(*{m}.ENTITIES)\n"
    init += "schema.validate()\n"
    (OUT / "__init__.py").write_text(init)
    fixtures = ROOT / "tests" / "fixtures" / "examples"
    fixtures.mkdir(parents=True, exist_ok=True)
    for f in (args.spec / "examples").glob("*.json"):
        shutil.copy(f, fixtures / f.name)
    shutil.copy(args.spec / "entities.json", fixtures.parent / "entities.json")
    print(f"wrote {len(sets)} entities into {len(modules)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
