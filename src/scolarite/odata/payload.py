"""Request bodies: bytes in, one JSON object out (its values are checked by
``scolarite.schema.values``, from the declarations).

Bodies are read as JSON whatever their Content-Type (several documented curl
calls send none, R7).  Every problem of a body is collected, so one 400 names them
all (unknown properties, wrong types, missing required ones).
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import BadRequest
from .limits import DEFAULT_LIMITS, Limits, exceeded


def parse_json_object(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The body as a JSON object.  Its values are counted first (commas, arrays and objects: an upper bound,
    strings included): ten megabytes of ``[[],[],…]`` would be millions of Python objects once decoded."""
    if not raw.strip():
        raise BadRequest("the request needs a JSON object as its body, and the body is empty")
    items = raw.count(b",") + raw.count(b"[") + raw.count(b"{")
    if items > limits.max_body_items:
        raise exceeded(
            "max_body_items", f"the body holds about {items:,} JSON values, arrays and objects", limits.max_body_items
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        kind = "an array" if isinstance(body, list) else "a single value"
        raise BadRequest(f"the body must be a JSON object {{...}}, not {kind}")
    return body
