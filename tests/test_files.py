"""The file tree (R84–R90, X6, X23–X26, X38): folders by path, folder creation,
files with base64 content, descriptions, folder listings, and the deletion of a
convention's documents that the convention workflow calls."""

from __future__ import annotations

import asyncio
import base64
import re
import uuid

import httpx
from conftest import assert_like, doc, odata_error, snapshot

from scolarite import rules
from scolarite.model import schema
from scolarite.rules.file import delete_folder_documents, share_name
from scolarite.service import Service
from scolarite.store.db import Database

UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
PDF = b"%PDF-1.4\n% convention signee\n" + bytes(range(256))


def new_code() -> str:
    return f"CS{uuid.uuid4().int % 10**8:08d}"


def by_path(client: httpx.Client, path: str) -> list[dict]:
    r = client.get("Directory", params={"$filter": f"path eq {path}"})
    assert r.status_code == 200, r.text
    assert r.json()["@odata.context"].endswith("$metadata#Directory")
    return r.json()["value"]


def share(client: httpx.Client) -> str:
    body = client.get("Instance").json()
    return (body["value"][0] if "value" in body else body)["FileSystemShareName"]


def root(client: httpx.Client) -> str:
    return by_path(client, share(client))[0]["Streamid"]


def mkdir(client: httpx.Client, parent: str, name: str) -> str:
    r = client.post("Directory", json={"Name": name, "Streamid": parent})
    assert r.status_code == 201, r.text
    return r.json()["value"]


def upload(client: httpx.Client, folder: str, name: str, content: bytes = PDF) -> dict:
    r = client.post(
        "File",
        json={
            "Streamid": folder,
            "Name": name,
            "File_extension": "." + name.rsplit(".", 1)[-1],
            "stream": base64.b64encode(content).decode(),
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def describe(client: httpx.Client, file_id: str, contexte: str, **extra) -> dict:
    r = client.post(
        "Description",
        json={
            "Streamid": file_id,
            "Contexte": contexte,
            "Regroupement": "CONVENTION",
            "DossierCible": f"\\\\instance\\{contexte}",
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def children(client: httpx.Client, folder: str) -> list[dict]:
    r = client.get(f"Directory/{folder}")
    assert r.status_code == 200, r.text
    assert r.json()["@odata.context"].endswith("$metadata#Directory")
    return r.json()["value"]


# -- the documented upload sequence ----------------------------------------------------------


def test_upload_sequence_as_doc(client):
    """B17 / R90: share, folder by path (created when missing), file, description, listing.

    The share is Instance.FileSystemShareName, the root folder's name and path (R85, X25); POST /Directory
    answers the new folder's GUID as an Edm.Guid value (R86); a file's content travels base64-encoded in
    stream (R88); a Description names the file, its context, document type and target folder (R89)."""
    r = client.get("Instance")
    assert r.status_code == 200, r.text
    name = share(client)
    assert name == "instance"
    code = new_code()
    assert by_path(client, f"{name}\\{code}") == []  # missing folder: empty list

    roots = by_path(client, name)
    assert len(roots) == 1
    assert_like(roots[0], doc("Directory", "GET /Directory?$filter=path eq {FileSystemShareName}")["value"][0])
    assert roots[0]["Path"] == name and roots[0]["Name"] == name and roots[0]["Isdirectory"] is True
    root_id = roots[0]["Streamid"]

    r = client.post("Directory", json={"Name": code, "Streamid": root_id})
    assert r.status_code == 201, r.text
    body = r.json()
    assert list(body) == ["@odata.context", "value"]
    assert body["@odata.context"].endswith("/GraphV1/$metadata#Edm.Guid")
    folder = str(uuid.UUID(body["value"]))
    assert folder == body["value"] and folder != root_id

    found = by_path(client, f"{name}\\{code}")
    assert [f["Streamid"] for f in found] == [folder]
    entry = found[0]
    assert_like(entry, doc("Directory", "GET /Directory?$filter=path eq {FileSystemShareName}")["value"][0])
    assert entry["Name"] == code and entry["Path"] == f"{name}\\{code}" and entry["Isdirectory"] is True
    assert entry["Size"] == 0 and entry["stream"] == "" and entry["File_extension"] == ""
    assert UTC_TIME.match(entry["Creation_time"]) and entry["Delete_time"] is None
    # Quoted literal, other case, forward slashes (X26).
    for literal in (f"'{name.upper()}/{code.lower()}'", f"{name}/{code}", f"\\\\{name}\\{code}\\"):
        assert [f["Streamid"] for f in by_path(client, literal)] == [folder], literal
    r = client.get("Directory", params={"$filter": f"Path eq '{name}\\{code}'"})
    assert [f["Streamid"] for f in r.json()["value"]] == [folder]

    stream = base64.b64encode(PDF).decode()
    r = client.post(
        "File", json={"Streamid": folder, "Name": "convention.pdf", "File_extension": ".pdf", "stream": stream}
    )
    assert r.status_code == 201, r.text
    file = r.json()
    assert file["@odata.context"].endswith("/GraphV1/$metadata#File/$entity")
    assert_like(file, doc("File", "POST /File"))
    file_id = file["Streamid"]
    assert file_id not in (folder, root_id)  # X23: the file's own id
    assert r.headers["location"].endswith(f"File({file_id})")
    assert file["Name"] == "convention.pdf" and file["File_extension"] == ".pdf" and file["Isdirectory"] is False
    assert file["Size"] == len(PDF) and file["stream"] == stream
    for t in ("Creation_time", "Update_time", "Last_access_time"):
        assert UTC_TIME.match(file[t]), file[t]
    assert file["Delete_time"] is None and isinstance(file["Id"], int)

    r = client.post(
        "Description",
        json={
            "Streamid": file_id,
            "Contexte": code,
            "Regroupement": "CONVENTION",
            "DossierCible": f"\\\\{name}\\{code}",
        },
    )
    assert r.status_code == 201, r.text
    desc = r.json()
    assert desc["@odata.context"].endswith("/GraphV1/$metadata#Description/$entity")
    assert_like(desc, doc("Description", "POST /Description"))
    assert desc["Streamid"] == file_id and desc["Contexte"] == code and desc["Regroupement"] == "CONVENTION"
    assert desc["DossierCible"] == f"\\\\{name}\\{code}" and desc["DossierTemp"] == ""
    assert desc["Statut"] == 0 and desc["Valideur"] == ""
    assert desc["DateValidation"] == desc["DateCreation"]  # X38
    assert re.search(r"[+-]\d{2}:\d{2}$", desc["DateCreation"])  # local time, like the example
    assert client.get(f"Description/{file_id}").json() == desc

    listing = children(client, folder)
    assert len(listing) == 1
    assert_like(listing[0], doc("Directory", "GET /Directory/e41f31cf-faaa-4afe-a12f-5ec61cc5beaa")["value"][0])
    item = listing[0]
    assert item["Streamid"] == file_id and item["Name"] == "convention.pdf" and item["Isdirectory"] is False
    assert item["File_extension"] == ".pdf" and item["Path"] is None and item["stream"] == ""  # R87
    assert item["Size"] == len(PDF) and item["Id"] == file["Id"]
    assert item["Creation_time"] == file["Creation_time"]

    r = client.get(f"File/{file_id}")
    assert r.status_code == 200, r.text
    assert r.json() == file
    assert base64.b64decode(r.json()["stream"]) == PDF

    assert folder in [c["Streamid"] for c in children(client, root_id) if c["Isdirectory"]]


def test_a_folder_lists_its_files_and_folders(client):
    top_name = new_code()
    top = mkdir(client, root(client), top_name)
    sub = mkdir(client, top, "DossierA")
    photo = upload(client, top, "A00550.jpg", b"\xff\xd8\xff")
    listing = children(client, top)
    assert {c["Streamid"]: c["Isdirectory"] for c in listing} == {sub: True, photo["Streamid"]: False}
    for item in listing:
        assert_like(item, doc("Directory", "GET /Directory/e41f31cf-faaa-4afe-a12f-5ec61cc5beaa")["value"][0])
    path = by_path(client, f"instance\\{top_name}")
    assert [p["Streamid"] for p in path] == [top]
    assert [p["Streamid"] for p in by_path(client, path[0]["Path"] + "\\dossiera")] == [sub]
    assert children(client, sub) == []
    # Query options apply to a listing.
    r = client.get(f"Directory/{top}", params={"$filter": "Isdirectory eq false", "$select": "Name,Size"})
    assert r.status_code == 200, r.text
    assert r.json()["value"] == [{"Name": "A00550.jpg", "Size": 3}]
    # A path filter finds folders only.
    assert by_path(client, path[0]["Path"] + "\\A00550.jpg") == []


def test_non_ascii_names_match_case_insensitively(client):
    top = mkdir(client, root(client), f"Élève-{uuid.uuid4().hex[:6]}")
    path = next(c for c in children(client, root(client)) if c["Streamid"] == top)["Path"]
    assert [p["Streamid"] for p in by_path(client, path.lower())] == [top]
    assert [p["Streamid"] for p in by_path(client, path.upper())] == [top]
    odata_error(client.post("Directory", json={"Name": path.rsplit("\\", 1)[1].upper(), "Streamid": root(client)}), 409)


def test_directory_lists_nothing_without_a_path(client):
    r = client.get("Directory")
    assert r.status_code == 200, r.text
    assert r.json()["@odata.context"].endswith("$metadata#Directory")
    assert r.json()["value"] == []  # R84
    r = client.get("Directory", params={"$filter": "Name eq 'instance'"})
    assert r.status_code == 200 and r.json()["value"] == []
    assert client.get("Directory/$count").text == "0"
    err = odata_error(client.get("Directory", params={"$filter": "Nom eq 'instance'"}), 400)
    assert "Nom" in err["message"]


# -- refused requests change nothing ---------------------------------------------------------


def test_refused_requests_change_nothing(client, server):
    folder = mkdir(client, root(client), new_code())
    file = upload(client, folder, "convention.pdf")
    describe(client, file["Streamid"], "CS-REFUSED")
    unknown = str(uuid.uuid4())
    good = base64.b64encode(b"x").decode()
    cases = [
        # (method, url, body, status, target)
        (
            "POST",
            "File",
            {"Streamid": folder, "Name": "a.pdf", "File_extension": ".pdf", "stream": "pas du base64!"},
            400,
            "stream",
        ),
        (
            "POST",
            "File",
            {"Streamid": folder, "Name": "a.pdf", "File_extension": ".pdf", "stream": "QUJD?"},
            400,
            "stream",
        ),
        (
            "POST",
            "File",
            {"Streamid": unknown, "Name": "a.pdf", "File_extension": ".pdf", "stream": good},
            400,
            "Streamid",
        ),
        (
            "POST",
            "File",
            {"Streamid": file["Streamid"], "Name": "a.pdf", "File_extension": ".pdf", "stream": good},
            400,
            "Streamid",
        ),  # a file is not a folder
        ("POST", "File", {"Name": "a.pdf", "File_extension": ".pdf", "stream": good}, 400, "Streamid"),
        (
            "POST",
            "File",
            {"Streamid": folder, "Name": "CONVENTION.PDF", "File_extension": ".pdf", "stream": good},
            409,
            "Name",
        ),
        ("POST", "File", {"Streamid": folder, "Name": "a.pdf", "File_extension": ".pdf"}, 400, "stream"),
        ("POST", "Directory", {"Name": "X", "Streamid": unknown}, 400, "Streamid"),
        ("POST", "Directory", {"Name": "X"}, 400, "Streamid"),
        ("POST", "Directory", {"Name": "X", "Streamid": "pas-un-guid"}, 400, "Streamid"),
        ("POST", "Directory", {"Name": "a\\b", "Streamid": folder}, 400, "Name"),
        ("POST", "Directory", {"Name": "", "Streamid": folder}, 400, "Name"),
        ("POST", "Directory", {"Name": "convention.pdf", "Streamid": folder}, 409, "Name"),
        ("POST", "Directory", {"Name": "X", "Streamid": folder, "_parent_id": folder}, 400, "_parent_id"),
        (
            "POST",
            "Description",
            {"Streamid": unknown, "Contexte": "C", "Regroupement": "R", "DossierCible": "D"},
            400,
            "Streamid",
        ),
        (
            "POST",
            "Description",
            {"Streamid": folder, "Contexte": "C", "Regroupement": "R", "DossierCible": "D"},
            400,
            "Streamid",
        ),  # a folder is not a file
        ("POST", "Description", {"Contexte": "C", "Regroupement": "R", "DossierCible": "D"}, 400, "Streamid"),
        (
            "POST",
            "Description",
            {"Streamid": file["Streamid"], "Contexte": "C", "Regroupement": "R", "DossierCible": "D"},
            409,
            "Streamid",
        ),
    ]
    before = snapshot(server.database_url)
    for method, url, body, status, target in cases:
        err = odata_error(client.request(method, url, json=body), status)
        assert err.get("target") == target, (body, err)
        assert target in err["message"] or status == 409, err
    # Internal columns are not part of the protocol.
    odata_error(client.get(f"Directory/{folder}", params={"$filter": f"_parent_id eq {folder}"}), 400)
    odata_error(client.get(f"Directory/{folder}", params={"$select": "_parent_id"}), 400)
    odata_error(client.get("Directory/" + unknown), 404)
    odata_error(client.get(f"Directory/{file['Streamid']}"), 404)  # a file is not a folder
    odata_error(client.delete(f"Directory/{root(client)}"), 409)  # the share's root stays
    assert snapshot(server.database_url) == before
    assert "_parent_id" not in client.get("$metadata").text


# -- updates and deletions over HTTP ---------------------------------------------------------


def test_update_a_file_and_rename_a_folder(client):
    top_name = new_code()
    top = mkdir(client, root(client), top_name)
    sub = mkdir(client, top, "DossierA")
    file = upload(client, sub, "photo.jpg", b"123")
    r = client.patch(
        f"File/{file['Streamid']}", json={"stream": base64.b64encode(b"12345").decode(), "Name": "photo2.jpg"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["Size"] == 5 and r.json()["Id"] == file["Id"] and r.json()["Creation_time"] == file["Creation_time"]
    entry = children(client, sub)[0]
    assert entry["Name"] == "photo2.jpg" and entry["Size"] == 5 and entry["stream"] == ""
    odata_error(client.patch(f"File/{file['Streamid']}", json={"stream": "%%%"}), 400)

    r = client.patch(f"Directory/{top}", json={"Name": top_name + "-bis"})
    assert r.status_code == 200, r.text
    assert r.json()["Path"] == f"instance\\{top_name}-bis"
    assert [d["Streamid"] for d in by_path(client, f"instance\\{top_name}-bis\\DossierA")] == [sub]
    assert by_path(client, f"instance\\{top_name}\\DossierA") == []
    odata_error(client.patch(f"Directory/{file['Streamid']}", json={"Name": "x.jpg"}), 400)


def test_deleting_a_file_or_a_folder(client):
    top = mkdir(client, root(client), new_code())
    sub = mkdir(client, top, "DossierA")
    kept = upload(client, top, "kept.pdf")
    gone = upload(client, sub, "gone.pdf")
    describe(client, gone["Streamid"], "CS-DEL")
    assert client.delete(f"File/{kept['Streamid']}").status_code == 204
    assert [c["Streamid"] for c in children(client, top)] == [sub]
    assert client.delete(f"Directory/{sub}").status_code == 204
    assert children(client, top) == []
    odata_error(client.get(f"Directory/{sub}"), 404)
    odata_error(client.get(f"File/{gone['Streamid']}"), 404)
    odata_error(client.get(f"Description/{gone['Streamid']}"), 404)


# -- what the convention workflow calls ------------------------------------------------------


def _call(url: str, fn, *args):
    async def go():
        db = Database(schema, url)
        service = Service(schema, db)
        rules.register(service)
        try:
            async with db.engine.connect() as raw:
                conn = await raw.execution_options(write=True)
                async with conn.begin():
                    return await fn(conn, service, *args)
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_delete_folder_documents(client, server):
    """What R54 calls: a folder's documents deleted (X6), under the share of share_name (X25)."""
    code, other = new_code(), new_code()
    assert _call(server.database_url, lambda conn, service: share_name(conn, service)) == "instance"
    folder = mkdir(client, root(client), code)
    sub = mkdir(client, folder, "Annexes")
    signed = upload(client, folder, "convention.pdf")
    annex = upload(client, sub, "annexe.pdf")
    other_folder = mkdir(client, root(client), other)
    other_file = upload(client, other_folder, "convention.pdf")
    other_file2 = upload(client, other_folder, "avenant.pdf")
    describe(client, signed["Streamid"], code)
    describe(client, annex["Streamid"], "SANS-CONTEXTE")
    describe(client, other_file["Streamid"], other)
    describe(client, other_file2["Streamid"], code)  # same Contexte, elsewhere: its description goes

    n = _call(server.database_url, delete_folder_documents, f"instance\\{code.lower()}", code)
    assert n == 2
    for f in (signed, annex):
        odata_error(client.get(f"File/{f['Streamid']}"), 404)
        odata_error(client.get(f"Description/{f['Streamid']}"), 404)
    odata_error(client.get(f"Description/{other_file2['Streamid']}"), 404)
    # The folders stay, empty of files; the other convention keeps its documents.
    assert [c["Streamid"] for c in children(client, folder)] == [sub]
    assert children(client, sub) == []
    assert client.get(f"File/{other_file['Streamid']}").status_code == 200
    assert client.get(f"File/{other_file2['Streamid']}").status_code == 200
    assert client.get(f"Description/{other_file['Streamid']}").json()["Contexte"] == other
    assert len(children(client, other_folder)) == 2
    # A file whose description was deleted can be described again.
    assert describe(client, other_file2["Streamid"], other)["Contexte"] == other
    # Nothing left, or no folder at all: nothing deleted.
    assert _call(server.database_url, delete_folder_documents, f"instance\\{code}", code) == 0
    assert _call(server.database_url, delete_folder_documents, f"instance\\{new_code()}", "") == 0
    # The folder can be filled again.
    assert upload(client, folder, "convention.pdf")["Size"] == len(PDF)
