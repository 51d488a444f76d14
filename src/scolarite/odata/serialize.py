"""Context URLs and response encoding.

Context URLs follow the shapes the GraphV1 docs record, which are the standard
OData ones: ``$metadata#Mail/$entity``, ``$metadata#Mail``,
``$metadata#Parcours(ParcoursPeriodes())/$entity``,
``$metadata#InscriptionSequence(Sequence,Sequence())``.
"""

from __future__ import annotations

from typing import Any

import orjson

from .uri import QueryOptions


def select_expand_clause(options: QueryOptions | None) -> str:
    if options is None:
        return ""
    items: list[str] = []
    if options.select_all:
        items.append("*")
    if options.select:
        items.extend(options.select)
    for item in options.expand:
        items.append(f"{item.navigation.name}({select_expand_clause(item.options)})")
    return ",".join(items)


def context_url(root: str, set_name: str, options: QueryOptions | None = None, *, entity: bool = False) -> str:
    clause = select_expand_clause(options)
    url = f"{root}$metadata#{set_name}"
    if clause:
        url += f"({clause})"
    if entity:
        url += "/$entity"
    return url


def dumps(payload: Any) -> bytes:
    return orjson.dumps(payload)
