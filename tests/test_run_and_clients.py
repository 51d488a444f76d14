"""The README's run line works, and a generic OData client can use the service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from conftest import PASSWORD, UNTHROTTLED, USER, example
from requests.auth import HTTPBasicAuth


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_demo_as_the_readme_says(tmp_path, database_url):
    """`scolarite serve --demo` on a fresh directory (or on the test database when it is PostgreSQL)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOLARITE_")} | UNTHROTTLED
    cmd = [sys.executable, "-m", "scolarite.cli", "serve", "--demo", "--port", str(port)]
    if not database_url.startswith("sqlite"):
        cmd += ["--database-url", database_url]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/GraphV1/Civilite"
        deadline, r = time.time() + 60, None
        while time.time() < deadline:
            try:
                r = httpx.get(url, auth=("demo", "demo"), timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert r is not None, proc.stdout.read() if proc.poll() is not None else "server did not answer"
        assert r.status_code == 200, r.text
        documented = example("Civilite")["response"]["value"][0]
        assert next(list(v) for v in r.json()["value"]) == list(documented)
        assert {"Id": 1541, "Nom": "M", "Code": "M", "NomLong": "Monsieur", "GenreMale": True} in r.json()["value"]
        assert httpx.get(url, auth=("demo", "wrong"), timeout=2).status_code == 401
        if database_url.startswith("sqlite"):
            assert (tmp_path / "scolarite.db").exists()  # the embedded default
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    # The first start says where the API and its model are, how to sign in, and one request to try.
    assert f"http://127.0.0.1:{port}/GraphV1/" in out and f"http://127.0.0.1:{port}/GraphV1/$metadata" in out
    assert "login demo, password demo" in out
    assert f"curl -u demo:demo http://127.0.0.1:{port}/GraphV1/Civilite" in out


def test_python_odata_reflects_reads_filters_and_creates(server):
    from odata import ODataService

    service = ODataService(server.root, auth=HTTPBasicAuth(USER, PASSWORD), reflect_entities=True, quiet_progress=True)
    Mail = service.entities["Mail"]
    Civilite = service.entities["Civilite"]
    assert {c.Code for c in service.query(Civilite).all()} >= {"M", "MME"}
    monsieur = service.query(Civilite).filter(Civilite.Code == "M").first()
    assert monsieur.Id == 1541 and monsieur.NomLong == "Monsieur"
    address = f"odata.client.{uuid.uuid4().hex[:6]}@ecole.fr"
    mail = Mail()
    mail.Adresse = address
    mail.IsDuplicate = False
    service.save(mail)
    assert mail.Id
    found = service.query(Mail).filter(Mail.Adresse == address).all()
    assert [m.Id for m in found] == [mail.Id]
    # python-odata updates with PATCH carrying only the changed property (R3).
    mail.Nom = "renamed"
    service.save(mail)
    again = httpx.get(f"{server.root}Mail/{mail.Id}", auth=(USER, PASSWORD)).json()
    assert again["Nom"] == "renamed" and again["Adresse"] == address


@pytest.mark.parametrize(
    "accept,fmt,kind",
    [(None, None, "xml"), ("application/json", None, "json"), (None, "json", "json"), ("application/xml", None, "xml")],
)
def test_metadata_formats(client, accept, fmt, kind):
    headers = {"Accept": accept} if accept else {}
    params = {"$format": fmt} if fmt else {}
    r = client.get("$metadata", headers=headers, params=params)
    assert r.status_code == 200
    if kind == "xml":
        assert r.headers["content-type"].startswith("application/xml")
        from lxml import etree

        doc = etree.fromstring(r.content)
        ns = {"edmx": "http://docs.oasis-open.org/odata/ns/edmx", "edm": "http://docs.oasis-open.org/odata/ns/edm"}
        assert doc.get("Version") == "4.0"
        assert len(doc.findall(".//edm:EntitySet", ns)) == 67
        base = doc.find(".//edm:EntityType[@Name='Base']", ns)
        assert [p.get("Name") for p in base.findall("edm:Property", ns)] == ["Id", "Nom", "Code"]
        civ = doc.find(".//edm:EntityType[@Name='Civilite']", ns)
        assert civ.get("BaseType") == "GraphV1.Base"
        assert [p.get("Name") for p in civ.findall("edm:Property", ns)] == ["NomLong", "GenreMale"]
    else:
        body = r.json()
        assert body["$Version"] == "4.0" and "GraphV1" in body
