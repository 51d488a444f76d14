"""Authentication: without valid credentials, 401 everywhere; revocation is
immediate; the credentials table holds no clear-text secret.

Credentials are managed the way an operator would: through
``scolarite.store.credentials.Credentials`` on a separate ``Database`` (the
server's own belongs to the server thread's event loop) and through the CLI in a
subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, USER, odata_error

from scolarite.model import schema
from scolarite.store.credentials import Credentials
from scolarite.store.db import Database

# (method, path below the service root, JSON body or None)
REQUESTS = [
    ("GET", "", None),  # the service document, /GraphV1/
    ("GET", "$metadata", None),
    ("GET", "Civilite", None),
    ("GET", "Civilite/1541", None),
    ("GET", "Mail/$count", None),
    ("POST", "Mail", {"Adresse": "intrus@example.fr"}),
]
REQUEST_IDS = [f"{m} /{p}" for m, p, _ in REQUESTS]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# name -> (httpx auth, extra headers); all of these must be refused.
BAD_CREDENTIALS = {
    "none": (None, {}),
    "wrong-password": ((USER, PASSWORD + "x"), {}),
    "empty-password": ((USER, ""), {}),
    "unknown-user": (("nobody", PASSWORD), {}),
    "login-case": ((USER.upper(), PASSWORD), {}),
    "basic-not-base64": (None, {"Authorization": "Basic !!!"}),
    "basic-no-value": (None, {"Authorization": "Basic"}),
    "basic-empty-login": (None, {"Authorization": f"Basic {_b64(':' + PASSWORD)}"}),
    "basic-empty-pair": (None, {"Authorization": f"Basic {_b64(':')}"}),
    "bearer": (None, {"Authorization": "Bearer x"}),
    "basic-without-colon": (None, {"Authorization": f"Basic {_b64(USER + PASSWORD)}"}),
    "basic-not-utf8": (None, {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()}),
    "wrong-api-key": (None, {"X-ApiKey": "not-a-valid-key"}),
    "wrong-api-key-with-valid-basic": ((USER, PASSWORD), {"X-ApiKey": "not-a-valid-key"}),
}


def _request(server, method: str, path: str, body, auth=None, headers=None) -> httpx.Response:
    with httpx.Client(base_url=server.root, auth=auth, timeout=30) as c:
        if body is None:
            return c.request(method, path, headers=headers or {})
        return c.request(method, path, json=body, headers=headers or {})


def _assert_401(response: httpx.Response) -> None:
    err = odata_error(response, 401)
    assert response.headers.get("www-authenticate", "").startswith("Basic"), response.headers
    assert response.headers.get("content-type", "").startswith("application/json")
    assert response.headers.get("odata-version") == "4.0"
    assert PASSWORD not in response.text
    assert err["code"] == "Unauthorized"


def _with_credentials(url: str, action):
    """Run ``action(Credentials)`` on a separate Database, in a fresh event loop."""

    async def go():
        db = Database(schema, url)
        try:
            return await action(Credentials(db))
        finally:
            await db.dispose()

    return asyncio.run(go())


def _credential_rows(url: str) -> list[tuple]:
    async def go():
        db = Database(schema, url)
        try:
            table = db.metadata.tables["scolarite_credential"]
            async with db.engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(sa.select(table))).all()]
        finally:
            await db.dispose()

    return asyncio.run(go())


# -- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", list(BAD_CREDENTIALS))
@pytest.mark.parametrize(("method", "path", "body"), REQUESTS, ids=REQUEST_IDS)
def test_bad_credentials_get_401(server, method, path, body, bad):
    """R1: without valid Basic credentials or X-ApiKey, every request is refused."""
    auth, headers = BAD_CREDENTIALS[bad]
    _assert_401(_request(server, method, path, body, auth=auth, headers=headers))


def test_refused_post_changes_nothing(server, anon):
    from conftest import snapshot

    before = snapshot(server.database_url)
    _assert_401(anon.post("Mail", json={"Adresse": "intrus@example.fr"}))
    _assert_401(anon.delete("Civilite/1541"))
    _assert_401(anon.patch("Civilite/1541", json={"Nom": "X"}))
    assert snapshot(server.database_url) == before


def test_every_method_and_unknown_path_need_credentials(anon):
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        response = anon.request(method, "Nope")
        assert response.status_code == 401, (method, response.status_code)
        assert response.headers.get("www-authenticate", "").startswith("Basic")
    # Not even an error in the URL is revealed before authentication.
    _assert_401(anon.get("Mail?$filter=Nope eq 1"))
    _assert_401(anon.get("Apprenant/abc"))


def test_no_credentials_fixture_is_refused(anon):
    _assert_401(anon.get("Civilite"))


# -- acceptances -----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS, ids=REQUEST_IDS)
def test_valid_basic_is_accepted(server, method, path, body):
    """R1: HTTP Basic (login:password) authenticates."""
    response = _request(server, method, path, body, auth=(USER, PASSWORD))
    assert response.status_code == (201 if method == "POST" else 200), response.text


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS, ids=REQUEST_IDS)
def test_valid_api_key_is_accepted(server, api_key, method, path, body):
    """R1: the API key sent unchanged in the X-ApiKey header authenticates."""
    response = _request(server, method, path, body, headers={"X-ApiKey": api_key})
    assert response.status_code == (201 if method == "POST" else 200), response.text


def test_valid_api_key_wins_over_bad_basic(server, api_key):
    response = _request(server, "GET", "Civilite", None, auth=("nobody", "bad"), headers={"X-ApiKey": api_key})
    assert response.status_code == 200, response.text


def test_client_fixture_is_accepted(client):
    assert client.get("Civilite/1541").status_code == 200


# -- revocation ------------------------------------------------------------------------

REVOCATION_PATHS = ["", "$metadata", "Civilite", "Civilite/1541", "Mail/$count"]


def test_revoked_api_key_gets_401(server):
    label = f"revocable-{uuid.uuid4().hex[:8]}"
    cid, key = _with_credentials(server.database_url, lambda c: c.add_key(label))
    headers = {"X-ApiKey": key}
    for path in REVOCATION_PATHS:
        response = _request(server, "GET", path, None, headers=headers)
        assert response.status_code == 200, (path, response.text)
    assert _with_credentials(server.database_url, lambda c: c.revoke(str(cid))) == 1
    _wait_for_the_credential_cache(server)
    for path in REVOCATION_PATHS:
        _assert_401(_request(server, "GET", path, None, headers=headers))
    _assert_401(_request(server, "POST", "Mail", {"Adresse": "revoked@example.fr"}, headers=headers))


def test_revoked_basic_login_gets_401_despite_the_cache(server):
    login, password = f"revocable-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    _with_credentials(server.database_url, lambda c: c.add_basic(login, password))
    auth = (login, password)
    # Twice each: the second request is answered from the verification cache.
    for path in REVOCATION_PATHS + REVOCATION_PATHS:
        response = _request(server, "GET", path, None, auth=auth)
        assert response.status_code == 200, (path, response.text)
    assert _with_credentials(server.database_url, lambda c: c.revoke(login)) == 1
    _wait_for_the_credential_cache(server)
    for path in REVOCATION_PATHS:
        _assert_401(_request(server, "GET", path, None, auth=auth))
    _assert_401(_request(server, "POST", "Mail", {"Adresse": "revoked@example.fr"}, auth=auth))
    # Revoking one login leaves the others alone.
    assert _request(server, "GET", "Civilite", None, auth=(USER, PASSWORD)).status_code == 200


def _wait_for_the_credential_cache(server) -> None:
    """A revocation takes effect once the server's memory of successful checks expires
    (``SCOLARITE_AUTH_CACHE_SECONDS``, 1 s by default, docs/interpretations.md)."""
    delay = server.app.state.credentials.cache_seconds
    assert 0 < delay <= 1
    time.sleep(delay + 0.1)


def test_password_change_takes_effect_after_the_cache_delay(server):
    """A new password for the same login replaces the old one: only the new password works."""
    login = f"changing-{uuid.uuid4().hex[:8]}"
    old, new = f"old-{uuid.uuid4().hex}", f"new-{uuid.uuid4().hex}"
    _with_credentials(server.database_url, lambda c: c.add_basic(login, old))
    assert _request(server, "GET", "Civilite", None, auth=(login, old)).status_code == 200
    _, revoked = _with_credentials(server.database_url, lambda c: c.replace_basic(login, new))
    assert revoked == 1
    _wait_for_the_credential_cache(server)
    _assert_401(_request(server, "GET", "Civilite", None, auth=(login, old)))
    assert _request(server, "GET", "Civilite", None, auth=(login, new)).status_code == 200


# -- the CLI ---------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scolarite.cli", "credentials", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=_cli_env(),
        check=False,
    )


def _cli_env() -> dict:
    import os

    env = dict(os.environ)
    env.pop("SCOLARITE_DATABASE_URL", None)
    env["COLUMNS"] = "200"  # keep rich's table on one line per row
    return env


def test_cli_add_list_revoke(server):
    url = server.database_url
    added = _cli("add", "alice", "--password", "pw", "--database-url", url)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "alice" in added.stdout
    assert _request(server, "GET", "Civilite", None, auth=("alice", "pw")).status_code == 200

    listed = _cli("list", "--database-url", url)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "alice" in listed.stdout and USER in listed.stdout
    shown = listed.stdout + listed.stderr
    assert not any(line.split() and "pw" in line.split() for line in shown.splitlines()), shown
    assert PASSWORD not in shown and "$argon2" not in shown

    revoked = _cli("revoke", "alice", "--database-url", url)
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    for path in REVOCATION_PATHS:
        _assert_401(_request(server, "GET", path, None, auth=("alice", "pw")))

    again = _cli("revoke", "alice", "--database-url", url)
    assert again.returncode != 0  # nothing left to revoke


def test_cli_api_key(server):
    url = server.database_url
    label = f"cli-key-{uuid.uuid4().hex[:6]}"
    added = _cli("add", "--api-key", label, "--database-url", url)
    assert added.returncode == 0, added.stdout + added.stderr
    key = next(w for w in added.stdout.split() if len(w) >= 40)
    assert _request(server, "GET", "Civilite", None, headers={"X-ApiKey": key}).status_code == 200
    assert key not in _cli("list", "--database-url", url).stdout
    assert _cli("revoke", label, "--database-url", url).returncode == 0
    _assert_401(_request(server, "GET", "Civilite", None, headers={"X-ApiKey": key}))


# -- no clear text ---------------------------------------------------------------------


def test_credentials_table_holds_no_clear_text(server, api_key):
    long_password = f"clear-text-canary-{uuid.uuid4().hex}"
    login = f"canary-{uuid.uuid4().hex[:8]}"
    _with_credentials(server.database_url, lambda c: c.add_basic(login, long_password))
    _, new_key = _with_credentials(server.database_url, lambda c: c.add_key(f"canary-{uuid.uuid4().hex[:6]}"))
    # The CLI's alice:pw from test_cli_add_list_revoke, if it ran first; added here otherwise.
    rows = _credential_rows(server.database_url)
    if not any("alice" in map(str, row) for row in rows):
        _with_credentials(server.database_url, lambda c: c.add_basic("alice", "pw"))
        rows = _credential_rows(server.database_url)
    assert len(rows) >= 4
    secrets = [PASSWORD, long_password, api_key, new_key]
    for row in rows:
        for value in row:
            text = "" if value is None else str(value)
            for secret in secrets:
                assert secret not in text, f"a secret appears in clear in scolarite_credential: {row!r}"
            # "pw" is too short to search inside hashes (base64 may contain it by chance).
            assert text != "pw", row
    # ... and the secrets are indeed stored, hashed: the logins work.
    assert _request(server, "GET", "Civilite", None, auth=(login, long_password)).status_code == 200
    assert _request(server, "GET", "Civilite", None, headers={"X-ApiKey": new_key}).status_code == 200
