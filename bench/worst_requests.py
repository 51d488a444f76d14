"""The worst requests we can think of, against a server on a large database, with the server's memory watched.

    python bench/worst_requests.py --url http://127.0.0.1:8000/GraphV1/ --pid <server pid> --user bench --password bench

For every shape: the status, the time, the size of the answer, and the server's resident memory after it (and
its peak, ``VmHWM``, from ``/proc/<pid>/status``; with ``--workers 1`` the server is one process).  The issue's
bound: no request makes a worker grow past 300 MB.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from scolarite.model import schema


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in MB of the process and its children."""
    rss = hwm = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        status = Path(f"/proc/{p}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1]) // 1024
            elif line.startswith("VmHWM:"):
                hwm = max(hwm, int(line.split()[1]) // 1024)
    return rss, hwm


def shapes() -> list[tuple[str, str, dict | None, bytes | None]]:
    out: list[tuple[str, str, dict | None, bytes | None]] = []
    for entity in schema:
        name = entity.__entity_set__
        out.append(("GET", name, {"$top": "1000"}, None))
        if entity.navigations:
            out.append(("GET", name, {"$top": "1000", "$expand": "*"}, None))
            many = [n.name for n in entity.navigations.values() if n.many]
            for nav in many:
                target = entity.navigations[nav].target
                inner = ",".join(n for n in target.navigations)[:2000]
                out.append(
                    ("GET", name, {"$top": "1000", "$expand": f"{nav}($expand={inner})" if inner else nav}, None)
                )
    wide = " or ".join(f"Id eq {i}" for i in range(300))
    out += [
        ("GET", "Apprenant", {"$filter": wide, "$top": "1000", "$expand": "*"}, None),
        ("GET", "Apprenant", {"$orderby": ",".join(["Nom desc", "Prenoms", "Id"] * 30)}, None),
        ("GET", "Apprenant", {"$count": "true", "$filter": "contains(Nom,'a')"}, None),
        ("POST", "Mail", None, json.dumps({f"k{i}": i for i in range(400_000)}).encode()[: 10 * 1024 * 1024 - 10]),
        ("POST", "Mail", None, json.dumps({"Adresse": "a@b.fr", "Nom": "x" * (10 * 1024 * 1024 - 100)}).encode()),
        ("POST", "Mail", None, b"[" * 100_000 + b"]" * 100_000),
        ("POST", "Apprenant", None, json.dumps({"Nom": [[[[[1]]]]] * 200_000}).encode()),
        ("POST", "Apprenant", None, b'{"Nom": [' + b'"a",' * 2_500_000 + b'"a"]}'),
        ("POST", "Apprenant", None, b'{"Nom": [' + b"[]," * 3_400_000 + b"[]]}"),
        ("POST", "Apprenant", None, b'{"Nom": "' + b"[" * 10_000_000 + b'"}'),
    ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    rows = []
    with httpx.Client(base_url=args.url, auth=(args.user, args.password), timeout=300) as client:
        client.get("Civilite")
        start = memory(args.pid)
        for method, path, params, body in shapes():
            t0 = time.perf_counter()
            response = client.request(method, path, params=params, content=body)
            elapsed = (time.perf_counter() - t0) * 1000
            rss, hwm = memory(args.pid)
            what = f"{method} {path}?{'&'.join(f'{k}={v[:60]}' for k, v in (params or {}).items())}"
            if body:
                what += f" ({len(body):,} bytes of body)"
            rows.append(
                {
                    "request": what,
                    "status": response.status_code,
                    "ms": round(elapsed, 1),
                    "bytes": len(response.content),
                    "rss_mb": rss,
                    "peak_mb": hwm,
                }
            )
            if response.status_code >= 500:
                print("5xx:", what, response.text[:200])
    rows.sort(key=lambda r: (-r["peak_mb"], -r["ms"]))
    peak = max(r["peak_mb"] for r in rows)
    print(f"memory at start: {start[0]} MB; peak over {len(rows)} requests: {peak} MB")
    for r in sorted(rows, key=lambda r: -r["ms"])[:15]:
        print(f"{r['status']} {r['ms']:>8} ms {r['bytes']:>10,} B  rss {r['rss_mb']} MB  {r['request'][:120]}")
    if args.report:
        args.report.write_text(json.dumps({"start_mb": start[0], "peak_mb": peak, "requests": rows}, indent=2))
    return 0 if peak < 300 and all(r["status"] < 500 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
