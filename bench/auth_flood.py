"""Wrong passwords against a running server: what the attacker gets, what the right password costs meanwhile,
and whether a refusal's time tells which logins exist (issue 12, item 5).

    python bench/auth_flood.py --url http://127.0.0.1:8000/GraphV1/ --user demo --password demo

The client's address is sent in ``X-Forwarded-For``, which the server believes from a trusted proxy (the
loopback addresses by default): run it on the server's machine.  Three figures:

1. one address sends 1,000 wrong passwords for the login while another address sends the right one in a loop:
   the attacker's statuses and the legitimate median latency;
2. eight attackers at once, each request from a new address (so every one costs an Argon2 verification, the
   worst case for the server's CPU): the legitimate median latency again;
3. wrong passwords for the known login and for unknown logins, interleaved, each from a new address (so none is
   throttled): the median time of each and their difference.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import threading
import time
import uuid
from collections import Counter

import httpx

_counter = itertools.count(1)


def fresh_address() -> str:
    n = next(_counter)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def get(client: httpx.Client, url: str, auth, address: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    r = client.get(url, auth=auth, headers={"X-Forwarded-For": address})
    return r.status_code, time.perf_counter() - t0


def legit_during(url: str, auth, flood) -> list[float]:
    """Latencies of the right password from one address while ``flood`` runs in other threads."""
    done = threading.Event()
    threads = [threading.Thread(target=lambda f=f: (f(), done.set())) for f in flood]
    for t in threads:
        t.start()
    latencies = []
    with httpx.Client(timeout=60) as c:
        get(c, url, auth, "192.0.2.1")  # warm: the check is remembered, as for a real integration
        while not done.is_set():
            status, took = get(c, url, auth, "192.0.2.1")
            assert status == 200, status
            latencies.append(took)
    for t in threads:
        t.join()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=60, help="refusals timed per kind of login")
    args = parser.parse_args()
    url = args.url.rstrip("/") + "/Civilite?$top=1"
    right = (args.user, args.password)
    report: dict = {}

    # 1. one attacker address
    statuses: Counter = Counter()
    first: list[int] = []

    def one_address():
        with httpx.Client(timeout=60) as c:
            address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
            for i in range(args.attempts):
                status, _ = get(c, url, (args.user, f"guess-{i}"), address)
                statuses[status] += 1
                if i < 8:
                    first.append(status)

    t0 = time.perf_counter()
    latencies = legit_during(url, right, [one_address])
    report["one_address"] = {
        "statuses": dict(statuses),
        "first_8": first,
        "seconds": time.perf_counter() - t0,
        "legit_requests": len(latencies),
        "legit_median_ms": statistics.median(latencies) * 1000,
    }

    # 2. eight attackers, a new address per request
    per_attacker = max(1, args.attempts // 8 // 4)
    spread: Counter = Counter()

    def rotating():
        with httpx.Client(timeout=60) as c:
            for i in range(per_attacker):
                status, _ = get(c, url, (args.user, f"guess-{i}"), fresh_address())
                spread[status] += 1

    baseline = legit_during(url, right, [lambda: time.sleep(2)])
    latencies = legit_during(url, right, [rotating] * 8)
    report["eight_rotating_attackers"] = {
        "attempts": 8 * per_attacker,
        "statuses": dict(spread),
        "legit_requests": len(latencies),
        "legit_median_ms": statistics.median(latencies) * 1000,
        "legit_median_ms_without_flood": statistics.median(baseline) * 1000,
    }

    # 3. known against unknown logins
    known, unknown = [], []
    with httpx.Client(timeout=60) as c:
        for _ in range(args.samples):
            status, took = get(c, url, (args.user, "not-the-password"), fresh_address())
            assert status == 401, status
            known.append(took)
            status, took = get(c, url, (f"nobody-{uuid.uuid4().hex[:8]}", "not-the-password"), fresh_address())
            assert status == 401, status
            unknown.append(took)
    k, u = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    report["refusal_times"] = {
        "samples": args.samples,
        "known_median_ms": k,
        "unknown_median_ms": u,
        "difference_percent": abs(k - u) / max(k, u) * 100,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
