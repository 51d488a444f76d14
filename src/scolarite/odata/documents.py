"""The service document and ``$metadata`` (XML or JSON CSDL, from the declarations)."""

from __future__ import annotations

from scolarite.schema import Schema

from . import csdl
from .errors import BadRequest, NotAcceptable
from .messages import XML, ODataRequest, ODataResponse
from .serialize import dumps


def service_document(schema: Schema, req: ODataRequest, method: str) -> ODataResponse:
    body = {
        "@odata.context": f"{req.root}$metadata",
        "value": [{"name": e.__entity_set__, "kind": "EntitySet", "url": e.__entity_set__} for e in schema],
    }
    return ODataResponse(200, b"" if method == "HEAD" else dumps(body))


def metadata(schema: Schema, req: ODataRequest, pairs: list[tuple[str, str]], method: str) -> ODataResponse:
    fmt = ""
    for name, value in pairs:
        if name == "$format":
            fmt = value.strip().lower()
        elif name.startswith("$"):
            raise BadRequest(f"{name} does not apply to $metadata", target=name)
    accept = req.headers.get("accept", "").lower()
    if fmt in ("json", "application/json") or (not fmt and "application/json" in accept and "xml" not in accept):
        body, ctype = csdl.csdl_json(schema), "application/json; charset=utf-8"
    elif fmt in ("", "xml", "application/xml"):
        body, ctype = csdl.csdl_xml(schema), XML
    else:
        raise NotAcceptable(f"$metadata is available as xml or json, not {fmt}", target="$format")
    return ODataResponse(200, b"" if method == "HEAD" else body, ctype)
