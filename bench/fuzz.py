"""The long fuzzing run: the strategies of ``tests/fuzzing.py`` against a running server, for as many requests
as asked, with a report of every status seen and of every bad answer (a 5xx, or a refusal that is not an OData
error in our words).

    python bench/fuzz.py --url http://127.0.0.1:8000/GraphV1/ --user demo --password demo --requests 100000

Point it at a server on a database of its own: the fuzzer writes and deletes at random.  Exit code 1 when any
answer was bad.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import Request, problem, requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    statuses: Counter = Counter()
    bad: list[dict] = []
    slowest: list[tuple[float, str]] = []
    started = time.monotonic()
    with httpx.Client(base_url=args.url, auth=(args.user, args.password), timeout=60) as client:

        @seed(args.seed)
        @settings(max_examples=args.requests, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(requests())
        def one(request: Request) -> None:
            t0 = time.perf_counter()
            try:
                response = client.request(request.method, request.url(), headers=request.headers, content=request.body)
            except httpx.HTTPError as exc:
                statuses["transport error"] += 1
                bad.append({"request": str(request), "problem": f"transport error: {exc!r}"})
                return
            elapsed = time.perf_counter() - t0
            slowest.append((elapsed, str(request)[:200]))
            if len(slowest) > 200:
                slowest.sort(reverse=True)
                del slowest[20:]
            statuses[response.status_code] += 1
            wrong = problem(
                response.status_code, response.headers.get("content-type", ""), response.text, request.method
            )
            if wrong:
                bad.append({"request": str(request)[:500], "problem": wrong, "answer": response.text[:300]})
            done = sum(statuses.values())
            if done % 5000 == 0:
                print(f"{done:,} requests, {len(bad)} bad, {dict(statuses.most_common(6))}", flush=True)

        one()
    slowest.sort(reverse=True)
    report = {
        "requests": sum(statuses.values()),
        "seconds": round(time.monotonic() - started, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "bad": bad[:100],
        "bad_count": len(bad),
        "slowest_ms": [(round(t * 1000, 1), r) for t, r in slowest[:10]],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
