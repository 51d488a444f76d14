"""The async client's own HTTP/1.1 for plain-HTTP services (``client/_transport.py``), against scripted raw
servers on real sockets: the bytes it sends are httpx's, it reads every kind of answer, keeps connections open and
drops the ones the server closed, and fails the way the retry policy expects (a POST is sent twice only when the
connection could not even be opened).  Also: operations run side by side, and the body-less creation."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket

import httpx
import pytest

from scolarite.client import AsyncGraphV1Client, GraphV1Client, RetryPolicy, TransportFailure, operations
from scolarite.client._core import Request
from scolarite.client._transport import LeanHTTP, lean_fits

ROOT = "http://127.0.0.1:1/GraphV1/"


# ------------------------------------------------------------------------------------- what is sent


REQUESTS = [
    Request(
        "GET",
        "Apprenant",
        {
            "$filter": "(Mail/Adresse eq 'o''brien@x.fr' or Mail/Adresse eq 'Jé an+x@y.fr')",
            "$expand": "Mail($select=Adresse)",
            "$orderby": "Id",
        },
    ),
    Request(
        "POST",
        "Mail",
        {},
        {"Adresse": "élève@école.fr", "IsDuplicate": False, "Rien": None},
        {"Prefer": "return=minimal"},
    ),
    Request("POST", "Convention/5/SynchronisationAffaire"),
    Request("PUT", "Mail/1", {}, {"Adresse": "a@b.fr"}),
    Request("DELETE", "Mail/1"),
    Request("GET", "InscriptionSequence", {"$filter": "startswith(Sequence/TypeSequence/Code, 'S')"}, {"Id": 12}),
    Request("GET", "Apprenant/$count"),
    Request("GET", "http://127.0.0.1:1/GraphV1/Pays?%24skiptoken=2&%24top=10"),
]


@pytest.mark.parametrize("auth", [{"user": "integrateur", "password": "s3cret"}, {"api_key": "k3y"}])
@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: f"{r.method} {r.path}")
def test_sends_the_bytes_httpx_sends(req, auth):
    api = GraphV1Client(ROOT, **auth)
    expected = api._http.build_request(
        req.method,
        req.path,
        params=req.params or None,
        headers=req.headers or None,
        **({} if req.json is operations._NO_BODY else {"json": req.json}),
    )
    if api._http.auth is not None:
        expected = next(api._http.auth.sync_auth_flow(expected))  # what httpx adds when it sends
    lean = LeanHTTP(api.root, api._headers_with_auth, 5)
    head, _, body = lean.message(req, lean.target(req)).partition(b"\r\n\r\n")
    line, *headers = head.split(b"\r\n")
    assert line == b"%s %s HTTP/1.1" % (expected.method.encode(), expected.url.raw_path)
    sent = {tuple(h.split(b": ", 1)) for h in headers}
    wanted = {(k, v) for k, v in expected.headers.raw if k.lower() != b"accept-encoding"}
    assert sent == wanted  # the same headers (no compression asked for)
    assert body == expected.content


def test_only_plain_http_without_a_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert lean_fits("http://127.0.0.1:8000/GraphV1/") and not lean_fits("https://api.ecole.fr/GraphV1/")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    assert not lean_fits("http://api.ecole.fr/GraphV1/")
    monkeypatch.setenv("NO_PROXY", "api.ecole.fr")
    assert lean_fits("http://api.ecole.fr/GraphV1/")
    assert AsyncGraphV1Client("https://api.ecole.fr/GraphV1/")._lean is None
    assert AsyncGraphV1Client(ROOT, transport=httpx.MockTransport(lambda r: httpx.Response(200)))._lean is None


# ----------------------------------------------------------------------------------- a raw server


class RawServer:
    """Answers each request with the next scripted action: bytes to send back, ``"close"`` (hang up without an
    answer) or ``"hang"`` (never answer).  Counts connections and requests."""

    def __init__(self, script: list, port: int = 0):
        self.script, self.port = list(script), port
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/GraphV1/"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                action = self.script.pop(0)
                if action == "close":
                    break
                if action == "hang":
                    await asyncio.sleep(3600)
                writer.write(action)
                await writer.drain()
                if b"connection: close" in action.lower() or (
                    b"content-length" not in action.lower()
                    and b"chunked" not in action.lower()
                    and not action.startswith(b"HTTP/1.1 204")
                ):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def answer(status: str, body: bytes | None = None, *headers: str, chunked: bool = False, length: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if body is not None:
        lines.append("Content-Type: application/json; charset=utf-8")
        if chunked:
            lines.append("Transfer-Encoding: chunked")
            body = (
                b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 7]), body[i : i + 7]) for i in range(0, len(body), 7))
                + b"0\r\n\r\n"
            )
        elif length:
            lines.append(f"Content-Length: {len(body)}")
    elif not status.startswith("204"):
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def run(script: list, work, **client):
    async def go():
        async with RawServer(script) as server:
            async with AsyncGraphV1Client(server.root, user="u", password="p", **client) as api:
                assert api._lean is not None
                return await work(api), server

    return asyncio.run(go())


def test_reads_every_kind_of_answer_on_one_connection():
    entity = json.dumps({"Id": 7, "Nom": "Élodie"}).encode()
    script = [
        answer("200 OK", entity),
        answer("200 OK", entity, chunked=True),
        answer("200 OK", gzip.compress(entity), "Content-Encoding: gzip"),
        answer("100 Continue")[: -len("Content-Length: 0\r\n\r\n")] + b"\r\n" + answer("200 OK", entity),
        answer("204 No Content", None, "OData-EntityId: http://x/GraphV1/Mail(42)", "Location: x"),
        answer("201 Created", entity),
    ]

    async def work(api):
        got = [await api.get("Apprenant", 7) for _ in range(4)]
        got.append(await api.create("Mail", {"Adresse": "a@b.fr"}, minimal=True))  # 204: the id from the URL
        got.append(await api.create("Mail", {"Adresse": "a@b.fr"}, minimal=True))  # the preference ignored
        return got

    got, server = run(script, work)
    assert got[:4] == [{"Id": 7, "Nom": "Élodie"}] * 4 and got[4] == {"Id": 42} and got[5]["Nom"] == "Élodie"
    assert server.connections == 1 and len(server.requests) == 6  # kept alive
    assert b"prefer: return=minimal" in server.requests[4].lower()


def test_a_connection_the_server_closed_is_not_reused():
    entity = json.dumps({"Id": 1}).encode()
    script = [answer("200 OK", entity, "Connection: close"), answer("200 OK", entity), answer("200 OK", entity)]

    async def work(api):
        first = await api.get("Mail", 1)  # the server closes after it says so
        second = await api.get("Mail", 1)
        for conn in api._lean._idle:  # the server hangs up an idle connection: its end of file arrives
            conn.writer.transport.abort()
        await asyncio.sleep(0.05)
        third = await api.get("Mail", 1)
        return [first, second, third]

    got, server = run(script, work)
    assert got == [{"Id": 1}] * 3 and server.connections == 3


def test_an_answer_that_ends_with_the_connection():
    script = [answer("200 OK", json.dumps({"Id": 3}).encode(), length=False)]
    got, _server = run(script, lambda api: api.get("Mail", 3))
    assert got == {"Id": 3}


def test_a_post_whose_answer_was_lost_is_not_sent_again():
    script = ["close", answer("201 Created", b'{"Id": 1}')]

    async def work(api):
        with pytest.raises(TransportFailure) as exc:
            await api.create("Mail", {"Adresse": "a@b.fr"})
        return exc.value

    exc, server = run(script, work, retry=RetryPolicy(backoff=0.01))
    assert exc.may_have_been_applied is True and len(server.requests) == 1


def test_a_get_whose_answer_was_lost_is_retried():
    script = ["close", answer("200 OK", b'{"Id": 1}')]
    got, server = run(script, lambda api: api.get("Mail", 1), retry=RetryPolicy(backoff=0.01))
    assert got == {"Id": 1} and len(server.requests) == 2


def test_a_read_timeout_fails_a_post_without_sending_it_again():
    async def work(api):
        with pytest.raises(TransportFailure) as exc:
            await api.create("Mail", {"Adresse": "a@b.fr"})
        return exc.value

    exc, server = run(["hang", answer("201 Created", b'{"Id": 1}')], work, timeout=0.2)
    assert exc.may_have_been_applied is True and "ReadTimeout" in exc.message and len(server.requests) == 1


def test_a_refused_connection_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    delays: list[float] = []

    async def go():
        async with AsyncGraphV1Client(
            f"http://127.0.0.1:{port}/GraphV1/",
            user="u",
            password="p",
            retry=RetryPolicy(retries=2, backoff=0.01),
            sleep=delays_append,
        ) as api:
            await api.create("Mail", {"Adresse": "a@b.fr"})

    async def delays_append(d):
        delays.append(d)

    with pytest.raises(TransportFailure) as exc:
        asyncio.run(go())
    assert exc.value.may_have_been_applied is False and "ConnectError" in exc.value.message and len(delays) == 2


# ---------------------------------------------------------------------------------- side by side


def _fails(message: str):
    raise TransportFailure(message, method="GET", url=ROOT, may_have_been_applied=False)
    yield  # a generator


def _stub(handler):
    sync = GraphV1Client(ROOT, transport=httpx.MockTransport(handler))
    aio = AsyncGraphV1Client(ROOT, transport=httpx.MockTransport(handler))
    return sync, aio


def test_parallel_operations_give_their_results_in_order():
    def handler(request):
        return httpx.Response(200, json={"Id": int(request.url.path.rsplit("/", 1)[1])})

    sync, aio = _stub(handler)
    ops = lambda: operations.parallel(*(operations.get("Mail", i) for i in (3, 1, 2)))  # noqa: E731
    assert sync.run(ops()) == [{"Id": 3}, {"Id": 1}, {"Id": 2}]
    assert asyncio.run(aio.run(ops())) == [{"Id": 3}, {"Id": 1}, {"Id": 2}]


def test_a_failed_parallel_operation_fails_after_the_others_ended():
    seen: list[str] = []

    def handler(request):
        seen.append(request.url.path)
        return httpx.Response(200, json={"Id": 1})

    sync, aio = _stub(handler)
    ops = lambda: operations.parallel(operations.get("Mail", 1), _fails("no"), operations.get("Mail", 2))  # noqa
    with pytest.raises(TransportFailure):
        sync.run(ops())
    with pytest.raises(TransportFailure):
        asyncio.run(aio.run(ops()))
    assert seen == ["/GraphV1/Mail/1", "/GraphV1/Mail/2"] * 2


def test_learners_of_many_addresses_in_short_requests():
    addresses = [f"eleve{i:03d}.avec.un.nom.long@ecole-exemple.fr" for i in range(60)] + ["Jean.Dupont@X.fr"]
    filters: list[str] = []

    def handler(request):
        text = request.url.params["$filter"]
        filters.append(text)
        found = [
            {"Id": i, "MailId": 100 + i, "Mail": {"Adresse": a}}
            for i, a in enumerate(addresses)
            if f"'{a}'" in text or f"'{a.lower()}'" in text
        ]
        if "'jean.dupont@x.fr'" in text:
            found.append({"Id": 999, "MailId": 1, "Mail": {"Adresse": "jean.dupont@x.fr"}})
        return httpx.Response(200, json={"value": found})

    sync, _ = _stub(handler)
    got = sync.learners_by_emails(addresses, longest=1000)
    assert len(filters) > 1 and all(len(f) <= 1000 for f in filters)
    assert got[addresses[5]] == [{"Id": 5, "MailId": 105}]  # the expanded e-mail is not kept
    assert [x["Id"] for x in got["Jean.Dupont@X.fr"]] == [60, 999]  # both spellings, oldest first


def test_one_client_under_two_event_loops():
    """A second ``asyncio.run`` with the same client opens new connections (the first loop's are gone)."""
    entity = json.dumps({"Id": 1}).encode()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = AsyncGraphV1Client(f"http://127.0.0.1:{port}/GraphV1/")
    servers = []

    async def get():
        async with RawServer([answer("200 OK", entity)], port) as server:
            servers.append(server)
            return await api.get("Mail", 1)

    assert asyncio.run(get()) == {"Id": 1} and asyncio.run(get()) == {"Id": 1}
    assert [s.connections for s in servers] == [1, 1]
