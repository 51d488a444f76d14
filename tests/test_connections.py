"""Connections that send nothing, or too slowly, or too much, are closed (issue 12, item 7), on a real
``scolarite serve`` with short timeouts; the others are not affected.  New SQLite files are private."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time

import httpx
import pytest
from conftest import PASSWORD, USER

TIMEOUT = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("connections")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOLARITE_")}
    env.update(
        SCOLARITE_HEADER_TIMEOUT=str(TIMEOUT),
        SCOLARITE_BODY_TIMEOUT=str(TIMEOUT),
        SCOLARITE_KEEP_ALIVE_TIMEOUT=str(TIMEOUT),
        SCOLARITE_NEW_PASSWORD=PASSWORD,
    )
    db = str(home / "c.db")
    subprocess.run(
        [sys.executable, "-m", "scolarite.cli", "credentials", "add", USER, "--database-url", db],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scolarite.cli",
            "serve",
            "--demo",
            "--workers",
            "1",
            "--port",
            str(port),
            "--database-url",
            db,
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/GraphV1/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(base, timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    yield {"port": port, "base": base, "db": home / "c.db"}
    proc.terminate()
    proc.wait(20)


_opened: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets():
    """Every raw socket a test opens is closed when it ends (never left to the collector)."""
    yield
    while _opened:
        _opened.pop().close()


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    _opened.append(s)
    return s


def _read_all(s: socket.socket, wait: float = 5.0) -> bytes:
    s.settimeout(wait)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    except TimeoutError:
        return out + b"<still open>"
    except ConnectionResetError:
        return out


def _healthy(served) -> bool:
    return httpx.get(served["base"] + "Civilite/1541", auth=(USER, PASSWORD), timeout=10).status_code == 200


def test_a_connection_that_sends_nothing_is_closed(served):
    s = _connect(served["port"])
    started = time.monotonic()
    assert _read_all(s) == b""
    assert time.monotonic() - started < TIMEOUT + 2
    assert _healthy(served)


@pytest.mark.parametrize("head", [b"GET /GraphV1/Civilite HT", b"GET /GraphV1/Civilite HTTP/1.1\r\nHost: x\r\n"])
def test_a_half_sent_head_gets_408(served, head):
    s = _connect(served["port"])
    s.sendall(head)
    others_ok = _healthy(served)
    answer = _read_all(s)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"RequestTimeout"' in answer and b"SCOLARITE_HEADER_TIMEOUT" in answer
    assert others_ok


def test_a_50_mb_header_is_refused(served):
    s = _connect(served["port"])
    s.sendall(b"GET /GraphV1/Civilite HTTP/1.1\r\nHost: x\r\nX-Big: ")
    sent = 0
    try:
        while sent < 50 * 1024 * 1024:
            s.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = _read_all(s)
    assert answer.startswith(b"HTTP/1.1 431") or answer == b"", answer[:200]
    assert sent < 50 * 1024 * 1024  # refused long before the end
    assert _healthy(served)


def test_ten_thousand_headers_are_refused(served):
    s = _connect(served["port"])
    head = b"GET /GraphV1/Civilite HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(10_000))
    try:
        s.sendall(head + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = _read_all(s)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert _healthy(served)


def test_a_body_that_does_not_come_gets_408(served):
    s = _connect(served["port"])
    auth = httpx.BasicAuth(USER, PASSWORD)._auth_header
    s.sendall(
        b"POST /GraphV1/Mail HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
        b"Authorization: " + auth.encode() + b'\r\n\r\n{"Adresse":'
    )
    answer = _read_all(s, wait=TIMEOUT + 5)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b"SCOLARITE_BODY_TIMEOUT" in answer


def test_an_idle_keep_alive_connection_is_closed(served):
    s = _connect(served["port"])
    auth = httpx.BasicAuth(USER, PASSWORD)._auth_header
    s.sendall(b"GET /GraphV1/Civilite/1541 HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth.encode() + b"\r\n\r\n")
    answer = _read_all(s, wait=TIMEOUT + 5)
    assert answer.startswith(b"HTTP/1.1 200") and not answer.endswith(b"<still open>"), answer[-100:]


def test_new_database_files_are_private(served):
    # The served database has written since it started (the credential, the migrations): its WAL exists.
    for suffix in ("", "-wal", "-shm"):
        path = served["db"].with_name(served["db"].name + suffix)
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    assert served["db"].exists()
