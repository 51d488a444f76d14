"""Write the entity declarations of ``src/scolarite/model/`` from the GraphV1 spec.

Used once to bootstrap the model from ``../shared/spec/entities.json``; the
generated modules are then the source of truth and are edited by hand.  Re-run it
(``python tools/gen_model.py --check``) to see whether the spec moved away from
the model: it prints the sets or properties that differ and exits 1.

The spec's examples are copied to ``tests/fixtures/examples`` at the same time so
that the tests do not depend on a checkout of the spec beside the repository.
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import shutil
import sys
from pathlib import Path

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


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def pyrepr(value):
    return repr(value)


def default_of(p: dict):
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


def prop_line(es: dict, p: dict, names: set[str], key: str) -> str:
    t = p["edm_type"]
    name = p["name"]
    args: list[str] = []
    kind = SIMPLE.get(t)
    if name == key:
        args.append("key=True")
    if t.startswith("Edm.String (enum"):
        members = p.get("enum_values")
        if members:
            args = [pyrepr(m) for m in members] + args
            kind = "Enum"
        else:
            kind = "String"
    elif t == "Collection(GraphV1.Parametre)":
        if es["name"] == "Recrutement":
            return f'    {name} = ComplexCollection("GraphV1.ParametreCode", {{"Code": edm.String}})'
        return f'    {name} = ComplexCollection("GraphV1.Parametre", PARAMETRE)'
    elif t.startswith("GraphV1.CampusAdresse"):
        return f'    {name} = ComplexValue("GraphV1.CampusAdresse", CAMPUS_ADRESSE)'
    elif t.startswith("Collection(Edm."):
        item = t[len("Collection(Edm.") : -1]
        return f"    {name} = Collection(edm.{item})"
    assert kind, (es["name"], name, t)
    default = default_of(p)
    nullable = bool(p["nullable"])
    if kind == "DateTimeOffset":
        if es["name"] in UTC_SETS:
            args.append("utc=True")
        if not nullable:
            args.append("nullable=False")
    elif name != key:
        if nullable:
            args.append("nullable=True")
            if default is not None:
                args.append(f"default={pyrepr(default)}")
        else:
            if default is None:
                default = TYPE_DEFAULT.get(kind)
            if default != TYPE_DEFAULT.get(kind) or type(default) is not type(TYPE_DEFAULT.get(kind)):
                if not (kind in ("Double", "Decimal") and isinstance(default, (int, float)) and float(default) == 0.0):
                    args.append(f"default={pyrepr(default)}")
    required = name in es.get("required_on_create", []) or (es["name"], name) in EXTRA_REQUIRED
    if required:
        args.append("required=True")
    fk = p.get("foreign_key_to")
    if fk and fk in names and name != key and kind in ("Int64", "Int32"):
        args.append(f"ref={fk!r}")
    if (es["name"], name) in INDEXED:
        args.append("index=True")
    return f"    {name} = {kind}({', '.join(args)})"


def class_source(es: dict, names: set[str]) -> str:
    props = es["properties"]
    prop_names = {p["name"] for p in props}
    key = es["key"].split(" ")[0]
    universe = UNIVERSES[es["universe"]]
    legacy = es.get("legacy_name") or f"{LEGACY_SCHEMA[universe]}.T_{snake(es['name'])}"
    label = es.get("french_label") or es["name"]
    rules = ", ".join(r["id"] for r in es.get("rules", []))
    doc = f"{label}." + (f" Rules: {rules}." if rules else "")
    lines = [f"class {es['name']}(Entity):", f'    """{doc}"""', "", f'    __legacy__ = "{legacy}"']
    for p in props:
        lines.append(prop_line(es, p, names, key))
    navs: list[str] = []
    for p in props:
        fk = p.get("foreign_key_to")
        n = p["name"]
        if fk in names and n.endswith("Id") and n != key and len(n) > 2 and p["edm_type"] == "Edm.Int64":
            nav = n[:-2]
            if nav not in prop_names and keyword.iskeyword(nav) is False:
                navs.append(f'    {nav} = Navigation("{fk}", fk="{n}")')
    for (owner, nav), (target, fk) in COLLECTION_NAVS.items():
        if owner == es["name"]:
            navs.append(f'    {nav} = Navigation("{target}", fk="{fk}", many=True)')
    if navs:
        lines.append("")
        lines.extend(navs)
    return "\n".join(lines)


HEADER = '''"""{title}

Entity declarations of the GraphV1 "{universe}" universe.  Property order is the
rendering order of the documented bodies; defaults are the values of a freshly
created entity (also what a full replacement resets an absent property to, R4).
"""

from scolarite.schema import edm
from scolarite.schema import (
    Boolean,
    Collection,
    ComplexCollection,
    ComplexValue,
    DateTimeOffset,
    Decimal,
    Double,
    Entity,
    Enum,
    Guid,
    Int32,
    Int64,
    Navigation,
    String,
)

from ._types import CAMPUS_ADRESSE, PARAMETRE


'''


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", type=Path, default=SPEC)
    args = ap.parse_args()
    data = json.loads((args.spec / "entities.json").read_text())
    sets = data["entity_sets"]
    names = {e["name"] for e in sets}
    modules: dict[str, list[dict]] = {}
    for es in sets:
        modules.setdefault(UNIVERSES[es["universe"]], []).append(es)
    OUT.mkdir(parents=True, exist_ok=True)
    for module, members in modules.items():
        body = HEADER.format(title=module.replace("_", " ").capitalize() + " entities.", universe=module)
        body += "\n\n\n".join(class_source(es, names) for es in members) + "\n\n\n"
        body += "ENTITIES = [" + ", ".join(es["name"] for es in members) + "]\n"
        (OUT / f"{module}.py").write_text(body)
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
