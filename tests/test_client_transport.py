"""The client's HTTP behaviour against a scripted stub (httpx.MockTransport), not the real server:
paging, retries with Retry-After, never a second POST that may have been applied, typed errors, auth."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from scolarite.client import (
    AsyncGraphV1Client,
    BadRequest,
    Conflict,
    GraphV1Client,
    NotFound,
    ODataError,
    Query,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
    TransportFailure,
    Unauthorized,
    eq,
)

ROOT = "http://stub.test/GraphV1/"


class Stub:
    """Answers from a script: each call pops the next answer (a Response or an exception) for its method+path."""

    def __init__(self, script: dict[str, list]):
        self.script = {k: list(v) for k, v in script.items()}
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        key = f"{request.method} {request.url.path}"
        answers = self.script.get(key)
        if not answers:
            return httpx.Response(500, json={"error": {"code": "Stub", "message": f"unscripted {key}"}})
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def count(self, method: str, path: str) -> int:
        return sum(1 for c in self.calls if c.method == method and c.url.path == path)


def _clients(stub: Stub, delays: list[float], **kw):
    sync = GraphV1Client(ROOT, user="u", password="p", transport=httpx.MockTransport(stub), sleep=delays.append, **kw)

    async def asleep(d):
        delays.append(d)

    aio = AsyncGraphV1Client(ROOT, user="u", password="p", transport=httpx.MockTransport(stub), sleep=asleep, **kw)
    return sync, aio


def call(client, name, *args, **kwargs):
    """Call a method on either client and return its result."""
    result = getattr(client, name)(*args, **kwargs)
    if asyncio.iscoroutine(result):
        return asyncio.run(result)
    return result


@pytest.fixture(params=["sync", "async"])
def mode(request):
    return request.param


def make(stub: Stub, mode: str, **kw):
    delays: list[float] = []
    sync, aio = _clients(stub, delays, **kw)
    return (sync if mode == "sync" else aio), delays


def page(values, next_link=None):
    body = {"@odata.context": ROOT + "$metadata#Pays", "value": values}
    if next_link:
        body["@odata.nextLink"] = next_link
    return httpx.Response(200, json=body)


def test_follows_next_link(mode):
    stub = Stub(
        {
            "GET /GraphV1/Pays": [
                page([{"Id": 1}, {"Id": 2}], ROOT + "Pays?$skiptoken=2"),
                page([{"Id": 3}, {"Id": 4}], ROOT + "Pays?$skiptoken=4"),
                page([{"Id": 5}]),
            ]
        }
    )
    api, _ = make(stub, mode)
    assert [p["Id"] for p in call(api, "all", "Pays", Query().filter(eq("Nom", "x")))] == [1, 2, 3, 4, 5]
    assert stub.count("GET", "/GraphV1/Pays") == 3
    # the first request carries the query, the next ones the links as given
    assert stub.calls[0].url.params["$filter"] == "Nom eq 'x'"
    assert stub.calls[1].url.params["$skiptoken"] == "2" and "$filter" not in stub.calls[1].url.params


def test_iter_all_streams_the_pages():
    stub = Stub({"GET /GraphV1/Pays": [page([{"Id": 1}], ROOT + "Pays?$skiptoken=1"), page([{"Id": 2}])]})
    api, _ = make(stub, "sync")
    it = api.iter_all("Pays")
    assert next(it)["Id"] == 1 and stub.count("GET", "/GraphV1/Pays") == 1  # lazily
    assert [p["Id"] for p in it] == [2]

    stub2 = Stub({"GET /GraphV1/Pays": [page([{"Id": 1}], ROOT + "Pays?$skiptoken=1"), page([{"Id": 2}])]})
    aio, _ = make(stub2, "async")

    async def collect():
        return [p["Id"] async for p in aio.iter_all("Pays")]

    assert asyncio.run(collect()) == [1, 2]


def test_next_link_to_another_host_stays_on_the_service():
    stub = Stub(
        {
            "GET /GraphV1/Pays": [
                page([{"Id": 1}], "https://elsewhere.example/GraphV1/Pays?$skiptoken=1"),
                page([{"Id": 2}]),
            ]
        }
    )
    api, _ = make(stub, "sync")
    assert [p["Id"] for p in api.all("Pays")] == [1, 2]
    assert {c.url.host for c in stub.calls} == {"stub.test"}  # credentials never sent elsewhere


def test_retries_a_503_with_retry_after(mode):
    stub = Stub(
        {
            "GET /GraphV1/Civilite/1541": [
                httpx.Response(
                    503, headers={"Retry-After": "7"}, json={"error": {"code": "Busy", "message": "try later"}}
                ),
                httpx.Response(503, headers={"Retry-After": "1"}),
                httpx.Response(200, json={"Id": 1541, "Code": "M"}),
            ]
        }
    )
    api, delays = make(stub, mode)
    assert call(api, "get", "Civilite", 1541)["Code"] == "M"
    assert stub.count("GET", "/GraphV1/Civilite/1541") == 3
    assert delays == [7.0, 1.0]  # what the server asked for


def test_retry_after_as_a_date_and_backoff_without_it():
    policy = RetryPolicy(backoff=0.5, jitter=0)
    assert policy.delay(0) == 0.5 and policy.delay(3) == 4.0
    assert policy.delay(10) == policy.max_backoff
    assert 0 <= policy.delay(0, "Wed, 21 Oct 2015 07:28:00 GMT") <= 0.01  # in the past: no wait
    assert policy.delay(0, "3") == 3.0


def test_gives_up_after_the_retries(mode):
    stub = Stub({"GET /GraphV1/Civilite": [httpx.Response(503, json={"error": {"code": "Busy", "message": "busy"}})]})
    api, delays = make(stub, mode, retry=RetryPolicy(retries=2, backoff=0.01, jitter=0))
    with pytest.raises(ServiceUnavailable) as exc:
        call(api, "all", "Civilite")
    assert exc.value.status == 503 and exc.value.message == "busy"
    assert stub.count("GET", "/GraphV1/Civilite") == 3 and delays == [0.01, 0.02]


def test_429_is_retried_for_a_get():
    stub = Stub({"GET /GraphV1/Civilite": [httpx.Response(429, headers={"Retry-After": "2"}), page([{"Id": 1}])]})
    api, delays = make(stub, "sync")
    assert api.all("Civilite") == [{"Id": 1}] and delays == [2.0]


@pytest.mark.parametrize("status", [503, 429])
def test_never_retries_a_post_answered_503(mode, status):
    stub = Stub(
        {
            "POST /GraphV1/Mail": [
                httpx.Response(
                    status, headers={"Retry-After": "1"}, json={"error": {"code": "Busy", "message": "busy"}}
                ),
                httpx.Response(201, json={"Id": 1}),
            ]
        }
    )
    api, delays = make(stub, mode)
    with pytest.raises((ServiceUnavailable, TooManyRequests)):
        call(api, "create", "Mail", {"Adresse": "a@b.fr"})
    assert stub.count("POST", "/GraphV1/Mail") == 1 and delays == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("closed"),
        httpx.ReadError("reset"),
        httpx.WriteTimeout("slow"),
    ],
)
def test_never_retries_a_post_that_may_have_been_applied(mode, failure):
    stub = Stub(
        {
            "POST /GraphV1/Mail": [failure, httpx.Response(201, json={"Id": 1})],
            "PATCH /GraphV1/Mail/1": [failure, httpx.Response(200, json={"Id": 1})],
            "POST /GraphV1/Convention/5/SynchronisationAffaire": [failure, httpx.Response(200)],
        }
    )
    api, delays = make(stub, mode)
    with pytest.raises(TransportFailure) as exc:
        call(api, "create", "Mail", {"Adresse": "a@b.fr"})
    assert exc.value.may_have_been_applied is True
    with pytest.raises(TransportFailure):
        call(api, "patch", "Mail", 1, {"Adresse": "c@d.fr"})
    with pytest.raises(TransportFailure):
        call(api, "synchronise_affaire", 5)
    assert stub.count("POST", "/GraphV1/Mail") == 1 and stub.count("PATCH", "/GraphV1/Mail/1") == 1
    assert stub.count("POST", "/GraphV1/Convention/5/SynchronisationAffaire") == 1 and delays == []


def test_a_post_that_never_left_is_retried(mode):
    stub = Stub({"POST /GraphV1/Mail": [httpx.ConnectError("refused"), httpx.Response(201, json={"Id": 9})]})
    api, delays = make(stub, mode)
    assert call(api, "create", "Mail", {"Adresse": "a@b.fr"}) == {"Id": 9}
    assert stub.count("POST", "/GraphV1/Mail") == 2 and len(delays) == 1


def test_idempotent_requests_are_retried_after_a_read_timeout(mode):
    stub = Stub(
        {
            "GET /GraphV1/Mail/1": [httpx.ReadTimeout("slow"), httpx.Response(200, json={"Id": 1})],
            "PUT /GraphV1/Mail/1": [httpx.ReadError("reset"), httpx.Response(200, json={"Id": 1})],
            "DELETE /GraphV1/Mail/1": [httpx.ReadTimeout("slow"), httpx.Response(204)],
        }
    )
    api, delays = make(stub, mode)
    assert call(api, "get", "Mail", 1) == {"Id": 1}
    assert call(api, "replace", "Mail", 1, {"Adresse": "a@b.fr"}) == {"Id": 1}
    assert call(api, "delete", "Mail", 1) is None
    assert len(delays) == 3


def test_connection_failure_after_retries(mode):
    stub = Stub({"GET /GraphV1/Mail": [httpx.ConnectError("refused")]})
    api, delays = make(stub, mode, retry=RetryPolicy(retries=3, backoff=0.01))
    with pytest.raises(TransportFailure) as exc:
        call(api, "all", "Mail")
    assert exc.value.may_have_been_applied is False and "ConnectError" in exc.value.message
    assert stub.count("GET", "/GraphV1/Mail") == 4 and len(delays) == 3


def test_typed_errors_from_odata_bodies(mode):
    body = {
        "error": {
            "code": "BadRequest",
            "message": "invalid body",
            "target": "RecrutementId",
            "details": [
                {"code": "BadRequest", "message": "RecrutementId: not of this programme", "target": "RecrutementId"}
            ],
        }
    }
    stub = Stub(
        {
            "POST /GraphV1/Inscription": [httpx.Response(400, json=body)],
            "GET /GraphV1/Apprenant/1": [
                httpx.Response(404, json={"error": {"code": "NotFound", "message": "Apprenant 1 does not exist"}})
            ],
            "PATCH /GraphV1/Convention/2": [
                httpx.Response(409, json={"error": {"code": "Conflict", "message": "taken"}})
            ],
            "GET /GraphV1/Programme": [
                httpx.Response(401, json={"error": {"code": "Unauthorized", "message": "who are you"}})
            ],
            "GET /GraphV1/Pays": [
                httpx.Response(502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"})
            ],
        }
    )
    api, _ = make(stub, mode)
    with pytest.raises(BadRequest) as exc:
        call(api, "create", "Inscription", {})
    e = exc.value
    assert (e.status, e.code, e.message, e.target) == (400, "BadRequest", "invalid body", "RecrutementId")
    assert e.details[0]["target"] == "RecrutementId" and "not of this programme" in e.reason
    assert isinstance(e, ODataError) and e.method == "POST" and e.url.endswith("/GraphV1/Inscription")
    with pytest.raises(NotFound):
        call(api, "get", "Apprenant", 1)
    assert call(api, "get_or_none", "Apprenant", 1) is None
    with pytest.raises(Conflict):
        call(api, "patch", "Convention", 2, {"EntrepriseId": 3})
    with pytest.raises(Unauthorized):
        call(api, "all", "Programme")
    with pytest.raises(ServerError) as exc:
        call(api, "all", "Pays")
    assert exc.value.status == 502 and "Bad gateway" in exc.value.message


def test_authentication_headers():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return page([])

    GraphV1Client(ROOT, user="integrateur", password="s3cret", transport=httpx.MockTransport(handler)).all("Pays")
    GraphV1Client(ROOT, api_key="k3y", transport=httpx.MockTransport(handler)).all("Pays")
    basic = base64.b64encode(b"integrateur:s3cret").decode()
    assert seen[0].headers["authorization"] == f"Basic {basic}" and "x-apikey" not in seen[0].headers
    assert seen[1].headers["x-apikey"] == "k3y" and "authorization" not in seen[1].headers
    assert seen[0].headers["accept"] == "application/json"


def test_service_root_forms():
    for given in ("http://h:8000", "http://h:8000/", "http://h:8000/GraphV1", "http://h:8000/GraphV1/", "h:8000"):
        assert GraphV1Client(given).root == "http://h:8000/GraphV1/"
    assert GraphV1Client("https://api.ecole.fr/api/GraphV1/").root == "https://api.ecole.fr/api/GraphV1/"


def test_eligible_sequences_sends_the_documented_query():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(
            200, json={"value": [{"Sequence": {"Id": 7, "Nom": "STAGE"}}, {"Sequence": {"Id": 7, "Nom": "STAGE"}}]}
        )

    api = GraphV1Client(ROOT, transport=httpx.MockTransport(handler))
    assert api.eligible_sequences(2253468) == [{"Id": 7, "Nom": "STAGE"}]
    r = seen[0]
    assert r.method == "GET" and json.loads(r.content) == {"Id": 2253468}
    assert r.url.params["$expand"] == "Sequence" and r.url.params["$select"] == "Sequence"
    assert r.url.params["$filter"] == "startswith(Sequence/TypeSequence/Code, 'S')"
