"""Sign-ins that resist guessing (issue 12, item 5), on servers with the default throttle settings.

The client's address comes from X-Forwarded-For (the test client's peer, 127.0.0.1, is a trusted proxy by
default), so one test can play several clients.
"""

from __future__ import annotations

import itertools
import logging
import statistics
import threading
import time
import uuid

import httpx
import pytest
from conftest import PASSWORD, USER, Server

GOOD = (USER, PASSWORD)
# The defaults of `scolarite serve` (the suite's other servers turn the throttle off).
DEFAULTS = {"auth_max_failures": 5, "auth_max_failures_per_address": 20}


@pytest.fixture(scope="module")
def guarded(database_url, api_key):
    srv = Server(database_url, **DEFAULTS).start()
    yield srv
    srv.stop()


_addresses = itertools.count(1)


def _address() -> str:
    """An address of its own for each use (a random one could be another test's, already waiting)."""
    n = next(_addresses)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


def _get(srv, auth, address, client=None) -> httpx.Response:
    c = client or httpx
    return c.get(f"{srv.root}Civilite/1541", auth=auth, headers={"X-Forwarded-For": address}, timeout=30)


def test_a_flood_of_wrong_passwords_waits_while_the_right_one_works_elsewhere(guarded):
    """1,000 wrong passwords for a login from one address: after the first five, 429 with Retry-After; the
    right password from another address keeps working throughout."""
    attacker, legit = _address(), "192.0.2.10"
    statuses: list[int] = []
    retry_afters: list[int] = []
    done = threading.Event()

    def flood():
        with httpx.Client(timeout=30) as c:
            for i in range(1000):
                r = _get(guarded, (USER, f"guess-{i}"), attacker, c)
                statuses.append(r.status_code)
                if r.status_code == 429:
                    retry_afters.append(int(r.headers["Retry-After"]))
                    assert "SCOLARITE_AUTH_MAX_FAILURES" in r.json()["error"]["message"]
        done.set()

    thread = threading.Thread(target=flood)
    thread.start()
    latencies = []
    with httpx.Client(timeout=30) as c:
        _get(guarded, GOOD, legit, c)
        while not done.is_set():
            t0 = time.perf_counter()
            assert _get(guarded, GOOD, legit, c).status_code == 200
            latencies.append(time.perf_counter() - t0)
    thread.join()
    assert statuses[:5] == [401] * 5
    assert statuses.count(401) <= 12, statuses.count(401)  # a new failure only each time a wait ends
    assert statuses.count(429) >= 988 and min(retry_afters) >= 1
    assert latencies, "the legitimate client never got a turn"
    print(
        f"legitimate median during the flood: {statistics.median(latencies) * 1000:.1f} ms "
        f"over {len(latencies)} requests"
    )


def test_while_waiting_even_the_right_password_waits_then_a_success_clears_the_count(guarded):
    address = _address()
    for i in range(5):
        assert _get(guarded, (USER, f"wrong-{i}"), address).status_code == 401
    waiting = _get(guarded, GOOD, address)
    assert waiting.status_code == 429  # a right guess must not show while the address waits
    time.sleep(int(waiting.headers["Retry-After"]) + 0.2)
    assert _get(guarded, GOOD, address).status_code == 200
    assert _get(guarded, (USER, "wrong-again"), address).status_code == 401  # the count started again


def test_unknown_logins_are_throttled_alike_and_per_address(guarded):
    address = _address()
    answers = [_get(guarded, (f"nobody-{uuid.uuid4().hex[:6]}", "x"), address).status_code for _ in range(21)]
    assert answers[:20] == [401] * 20 and answers[20] == 429  # 20 failures of any login from one address
    assert _get(guarded, GOOD, _address()).status_code == 200


def test_failures_are_shared_by_the_processes_of_a_database(guarded, database_url):
    other = Server(database_url, **DEFAULTS).start()
    try:
        address = _address()
        for i in range(5):
            assert _get(guarded, (USER, f"wrong-{i}"), address).status_code == 401
        answer = _get(other, (USER, "another-guess"), address)
        assert answer.status_code == 429, answer.text
    finally:
        other.stop()


def test_a_success_in_another_process_clears_the_count(guarded, database_url):
    other = Server(database_url, **DEFAULTS).start()
    try:
        address = _address()
        for i in range(4):
            assert _get(guarded, (USER, f"wrong-{i}"), address).status_code == 401
        assert _get(other, GOOD, address).status_code == 200
        # Counted from zero again: four more failures before any wait.
        assert [_get(guarded, (USER, f"again-{i}"), address).status_code for i in range(4)] == [401] * 4
    finally:
        other.stop()


def test_wrong_api_keys_are_throttled_by_address(guarded):
    address = _address()
    answers = [
        httpx.get(
            f"{guarded.root}Civilite", headers={"X-ApiKey": f"k{i}", "X-Forwarded-For": address}, timeout=30
        ).status_code
        for i in range(21)
    ]
    assert answers[:20] == [401] * 20 and answers[20] == 429


def test_failures_are_logged_without_the_secret(guarded, caplog):
    caplog.set_level(logging.WARNING, logger="scolarite.api")
    secret = f"Secret-{uuid.uuid4().hex}"
    address = _address()
    assert _get(guarded, (USER, secret), address).status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "scolarite.api"]
    assert any(address in line and USER in line for line in lines), lines
    assert not any(secret in line for line in lines)


def test_an_unknown_login_costs_one_argon2_verification_like_a_known_one(server, database_url, monkeypatch):
    """The time of a refusal must not tell which logins exist: both refusals verify one Argon2 hash with the
    same parameters (bench/auth_flood.py measures the times)."""
    import asyncio

    from scolarite.model import schema
    from scolarite.store import credentials as module
    from scolarite.store.credentials import Credentials
    from scolarite.store.db import Database

    verified: list[str] = []
    real = module._hasher

    class Counting:
        def hash(self, password):
            return real.hash(password)

        def verify(self, stored, password):
            verified.append(stored.split("$")[3])  # the parameters, e.g. m=65536,t=3,p=4
            return real.verify(stored, password)

    monkeypatch.setattr(module, "_hasher", Counting())

    async def go():
        db = Database(schema, database_url)
        try:
            creds = Credentials(db, cache_seconds=0)
            assert await creds.check_basic(USER, "a wrong password") is None
            assert await creds.check_basic(f"nobody-{uuid.uuid4().hex}", "a wrong password") is None
        finally:
            await db.dispose()

    asyncio.run(go())
    assert len(verified) == 2 and verified[0] == verified[1], verified
