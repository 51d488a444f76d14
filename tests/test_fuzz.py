"""A seeded, bounded fuzzer over whole requests (URLs, query options, bodies, headers) against a real
server on its own database: no answer is a 5xx, every refusal is an OData error in our words.

CI runs 5,000 requests per database (``SCOLARITE_FUZZ_EXAMPLES`` changes it); ``bench/fuzz.py`` runs the
same strategies for as long as wanted against any server.
"""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
from conftest import PASSWORD, USER, Server, _prepare, fresh_database
from fuzzing import Request, problem, requests
from hypothesis import HealthCheck, given, seed, settings

EXAMPLES = int(os.environ.get("SCOLARITE_FUZZ_EXAMPLES", "5000"))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A server on a database of its own: the fuzzer's writes and deletes touch no other test's data."""
    with fresh_database(tmp_path_factory.mktemp("fuzz")) as url:
        _prepare(url)
        srv = Server(url).start()
        with httpx.Client(base_url=srv.root, auth=(USER, PASSWORD), timeout=30) as client:
            yield client
        srv.stop()


def test_no_request_gets_a_5xx_or_a_message_not_ours(fuzzed):
    statuses: Counter = Counter()
    failures: list[str] = []

    @seed(20261202)
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck)
    )
    @given(requests())
    def one(request: Request) -> None:
        response = fuzzed.request(request.method, request.url(), headers=request.headers, content=request.body)
        statuses[response.status_code] += 1
        wrong = problem(response.status_code, response.headers.get("content-type", ""), response.text, request.method)
        if wrong:
            failures.append(f"{wrong}: {request} -> {response.text[:300]}")

    one()
    assert not failures, f"{len(failures)} bad answers, e.g.:\n" + "\n".join(failures[:10])
    total = sum(statuses.values())
    assert total >= EXAMPLES * 0.9, statuses
    # The strategies reach both the refusals and the happy paths.
    assert sum(n for s, n in statuses.items() if s < 300) > total * 0.05, statuses
    assert statuses[400] > total * 0.2, statuses
