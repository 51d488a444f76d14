"""A body's values, checked against their declaration.

Every problem of a body is collected, so one error names them all (unknown
properties, wrong types, missing required ones); the caller's protocol decides
the status (400 over HTTP).  Used by the API's writes and the referential loader.
"""

from __future__ import annotations

from typing import Any, NoReturn

from scolarite.errors import ValidationError

from . import edm
from .entity import Entity, Property

CREATE, REPLACE, MERGE = "create", "replace", "merge"


def _is_annotation(name: str) -> bool:
    return name.startswith("@") or "@odata." in name or name.startswith("odata.")


def check_values(entity: type[Entity], body: dict[str, Any], mode: str, key: Any = None) -> dict[str, Any]:
    """Validate ``body`` against ``entity``; return the values to store.

    ``create`` and ``replace`` return every property (absent ones at their default,
    R2/R4); ``merge`` returns only the properties sent.  The key never appears in
    the result: it comes from the server (create) or the URL (updates).
    """
    if len(body) > len(entity.properties) + len(entity.navigations) + MAX_PROBLEMS_SHOWN:
        raise ValidationError(
            f"the body has {len(body):,} members; a {entity.__entity_set__} has {len(entity.properties)} properties"
        )
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for name, raw in body.items():
        if _is_annotation(name):
            continue
        if name == entity.key.name:
            _check_key(entity, name, raw, mode, key, values, problems)
        elif name not in entity.properties:
            problems.append(_unknown(entity, name))
        else:
            _check_property(entity.properties[name], name, raw, values, problems)
    if mode in (CREATE, REPLACE):
        for name, prop in entity.properties.items():
            if prop.key or prop.computed or name in values:
                continue
            values[name] = prop.default
    _check_required(entity, body, mode, values, problems)
    if problems:
        raise_problems(entity.__entity_set__, problems)
    return values


Problems = list[tuple[str, str]]


def _check_key(
    entity: type[Entity], name: str, raw: Any, mode: str, key: Any, values: dict[str, Any], problems: Problems
) -> None:
    """The key in a body: the client's own on a create where the set lets it choose
    (``__client_key__``), else nothing or the URL's."""
    if mode == CREATE and entity.__client_key__:
        try:
            values[name] = entity.key.edm.parse(raw)
        except edm.EdmValueError as exc:
            problems.append((name, f"{name}: {exc}"))
        return
    if mode == CREATE:
        if raw not in (None, 0, ""):
            problems.append((name, f"{name} is assigned by the server; do not send it when creating"))
        return
    try:
        sent = entity.key.edm.parse(raw)
    except edm.EdmValueError:
        sent = raw
    if sent != key:
        problems.append((name, f"the {name} in the body ({edm.shown(raw)}) differs from the key in the URL ({key})"))


def _unknown(entity: type[Entity], name: str) -> tuple[str, str]:
    navigation = entity.navigations.get(name)
    if navigation is None:
        return (name[:100], f"{entity.__entity_set__} has no property named {edm.shown(name)}")
    if navigation.many:
        return (name, f"{name} is a navigation property; create its items through their own entity set")
    return (
        name,
        f"{name} is a navigation property: set {navigation.fk} instead (related entities cannot be written inline)",
    )


def _check_property(prop: Property, name: str, raw: Any, values: dict[str, Any], problems: Problems) -> None:
    if prop.computed:
        return
    if raw is None:
        # null on a non-nullable property means "empty": its default (R4). Generic
        # OData clients send null for every unset property, and the documented
        # bodies themselves show null where a GET shows 0 (X20).
        values[name] = None if prop.nullable else prop.default
        return
    try:
        values[name] = prop.edm.parse(raw)
    except edm.EdmValueError as exc:
        problems.append((name, f"{name}: {exc}"))


def _check_required(
    entity: type[Entity], body: dict[str, Any], mode: str, values: dict[str, Any], problems: Problems
) -> None:
    """Required properties (R9): sent on a create or a replacement, and not blank
    when sent (a merge checks only what it sends)."""
    sent = {name for name in body if not _is_annotation(name)}
    for name, prop in entity.properties.items():
        if not prop.required or prop.key or any(p[0] == name for p in problems) or (mode == MERGE and name not in sent):
            continue
        if name not in sent or is_blank(prop, values.get(name)):
            problems.append((name, f"{name} is required"))


def is_blank(prop: Property, value: Any) -> bool:
    """A required value that says "nothing": null, an empty string, or id 0 (R9)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if prop.ref or prop.name.endswith("Id"):
        return bool(value == 0)
    return False


# A body may hold thousands of unknown members: the answer names the first ones and counts the rest.
MAX_PROBLEMS_SHOWN = 20


def raise_problems(set_name: str, problems: list[tuple[str, str]]) -> NoReturn:
    if len(problems) == 1:
        raise ValidationError(problems[0][1], target=problems[0][0])
    shown = problems[:MAX_PROBLEMS_SHOWN]
    message = f"{len(problems)} problems with this {set_name}: " + "; ".join(p[1] for p in shown)
    if len(problems) > len(shown):
        message += f"; and {len(problems) - len(shown)} more"
    raise ValidationError(message, target=problems[0][0], details=[ValidationError(m, target=t) for t, m in shown])
