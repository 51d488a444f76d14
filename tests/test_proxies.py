"""Links never carry a host or a scheme from an untrusted header (issue 12, item 6): ``@odata.context``,
``@odata.nextLink`` and ``Location``."""

from __future__ import annotations

import uuid

import httpx
import pytest
from conftest import PASSWORD, USER, Server

HOSTILE = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "javascript"}


@pytest.fixture(scope="module")
def untrusting(database_url, api_key):
    """A server that trusts no proxy, with small pages (for next links)."""
    srv = Server(database_url, forwarded_allow_ips=(), max_page_size=3).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def behind_proxy(database_url, api_key):
    """A server whose peer (127.0.0.1, the test client) is its trusted proxy."""
    srv = Server(database_url, max_page_size=3).start()
    yield srv
    srv.stop()


def _links(srv, headers: dict) -> list[str]:
    with httpx.Client(base_url=srv.root, auth=(USER, PASSWORD), timeout=30, headers=headers) as c:
        page = c.get("Pays").json()
        created = c.post("Mail", json={"Adresse": f"proxy.{uuid.uuid4().hex[:6]}@ecole.fr"})
        assert created.status_code == 201, created.text
        return [
            page["@odata.context"],
            page["@odata.nextLink"],
            created.headers["location"],
            created.json()["@odata.context"],
        ]


@pytest.mark.parametrize(
    "headers",
    [HOSTILE, {"Host": "evil.example"}, {**HOSTILE, "Host": "evil.example:80"}],
    ids=["forwarded", "host", "both"],
)
def test_an_untrusted_peer_chooses_no_host_and_no_scheme(untrusting, headers):
    for link in _links(untrusting, headers):
        assert link.startswith(f"http://127.0.0.1:{untrusting.port}/GraphV1/"), link
        assert "evil" not in link and "javascript" not in link


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "evil.example/../x"},
        {"X-Forwarded-Proto": "https x", "X-Forwarded-Host": "a b"},
        {"X-Forwarded-Host": "evil.example@", "Host": "evil.example"},
    ],
)
def test_a_trusted_proxy_is_believed_only_with_a_valid_scheme_and_host(behind_proxy, headers):
    for link in _links(behind_proxy, headers):
        assert "evil" not in link and "javascript" not in link, link
        assert link.startswith("http://"), link


def test_a_trusted_proxy_sets_scheme_and_host(behind_proxy):
    for link in _links(behind_proxy, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.ecole.fr"}):
        assert link.startswith("https://api.ecole.fr/GraphV1/"), link


def test_the_public_url_wins(database_url, api_key):
    srv = Server(database_url, public_url="https://api.ecole.fr/GraphV1/", max_page_size=3).start()
    try:
        for link in _links(srv, HOSTILE):
            assert link.startswith("https://api.ecole.fr/GraphV1/"), link
    finally:
        srv.stop()


def test_allowed_hosts_are_used_from_any_peer(database_url, api_key):
    srv = Server(database_url, forwarded_allow_ips=(), allowed_hosts=("api.ecole.fr",), max_page_size=3).start()
    try:
        for link in _links(srv, {"Host": "api.ecole.fr"}):
            assert link.startswith("http://api.ecole.fr/GraphV1/"), link
    finally:
        srv.stop()
