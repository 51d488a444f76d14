"""Scolarite benchmark: generate data, start the server as a user would, load it with wrk.

    python bench/run.py --db sqlite     --learners 100000
    python bench/run.py --db postgresql --learners 100000

See bench/README.md.  Steps:

1. a fresh database with N learners, generated through the project's model
   (``bench/generate.py``; cached in ``bench/.cache`` or as a PostgreSQL template
   database, and reused with ``--reuse``);
2. ``scolarite serve --workers 1`` pinned to CPU 0 (``taskset -c 0``), waited for;
3. for each scenario and connection count, ``wrk`` pinned to CPU 1, warm-up then
   measurement (Lua scripts in ``bench/lua`` rotate real ids and send Basic auth),
   with the server's CPU time (``/proc/<pid>/stat``) and peak RSS (``VmHWM``);
4. the ceiling: the server's own statements (captured in-process) replayed straight
   against the database (``bench/ceiling.py``, pinned to CPU 0);
5. S7: ``scolarite import dossiers`` on a generated CSV, timed end to end;
6. a table on the terminal, and ``bench/results/<db>-<learners>-<timestamp>.{md,json}``
   plus ``bench/results/latest-<db>.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import datetime as dt
import json
import os
import pickle
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
CACHE = BENCH / ".cache"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
LUA = BENCH / "lua"
sys.path.insert(0, str(BENCH))

SCENARIOS = {
    "S1": ("s1.lua", "GET /GraphV1/Apprenant/{id}"),
    "S2": ("s2.lua", "GET /GraphV1/Apprenant?$filter=Mail/Adresse eq '{address}'"),
    "S3": ("s3.lua", "GET /GraphV1/Parcours/{id}?$expand=ParcoursPeriodes"),
    "S4": (
        "s4.lua",
        "GET /GraphV1/InscriptionSequence?$filter=ApprenantId eq {id} and "
        "startswith(Sequence/TypeSequence/Code,'S')&$expand=Sequence",
    ),
    "S5": ("s5.lua", "GET /GraphV1/Apprenant?$top=100&$skip={n}&$orderby=Nom"),
    "S6": ("s6.lua", "POST /GraphV1/Mail (a new address each time)"),
    "S7": (None, "scolarite import dossiers (whole dossier workflow, end to end)"),
}
# Issue 6, "Must hold" 2 (PostgreSQL, one server core, c=16; on SQLite each at least as high).
TARGETS = {"S1": 1900, "S2": 1650, "S3": 1600, "S4": 1400, "S6": 650}
CAP_PG = {"S1": 380, "S2": 330, "S3": 320, "S4": 280, "S6": 130}
P99_TARGET_MS = 25
RSS_TARGET_MB = 250
IMPORT_TARGET = 50
S5_WITHIN = 0.20

VOIE_S7 = "23-26 Voie d’entrée"


def log(msg: str = "") -> None:
    print(msg, flush=True)


# ------------------------------------------------------------------------------------------- tools


def ensure_tools() -> None:
    """wrk and taskset must be installed; try apt-get for wrk when running as root."""
    if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is not installed: trying `apt-get install -y wrk` (Debian package wrk)…")
        if subprocess.run(["apt-get", "install", "-y", "wrk"]).returncode != 0:
            subprocess.run(["apt-get", "update"])
            subprocess.run(["apt-get", "install", "-y", "wrk"])
    problems = []
    if not shutil.which("wrk"):
        problems.append("wrk is not installed. Install it with:  sudo apt-get install wrk")
    if not shutil.which("taskset"):
        problems.append("taskset is not installed. Install it with:  sudo apt-get install util-linux")
    if problems:
        for p in problems:
            log(f"ERROR: {p}")
        sys.exit(2)


def scolarite_exe() -> str:
    local = Path(sys.executable).parent / "scolarite"
    found = str(local) if local.exists() else shutil.which("scolarite")
    if not found:
        log("ERROR: the `scolarite` command is not installed in this environment: pip install -e .")
        sys.exit(2)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    mhz = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("cpu MHz")), "")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) if "MemTotal" in meminfo else 0
    wrk_version = (sh(["wrk", "-v"]).splitlines() or [""])[0].split(" Copyright")[0].split(" [")[0]
    return {
        "cpu": model,
        "cpu_mhz": mhz,
        "nproc": sh(["nproc"]) or str(os.cpu_count()),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "free": sh(["free", "-m"]),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version,
        "load_average": list(os.getloadavg()),
    }


def git_commit() -> tuple[str, bool]:
    commit = sh(["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = bool(sh(["git", "-C", str(PROJECT), "status", "--porcelain", "--", "src"]))
    return commit, dirty


# ------------------------------------------------------------------------------------------ database


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    from scolarite.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def fingerprint(db: str, learners: int, seed: int) -> dict:
    from generate import GENERATOR_VERSION

    return {"generator_version": GENERATOR_VERSION, "db": db, "learners": learners, "seed": seed}


def _pg_dsn(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def _with_database(url: str, name: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


async def _pg_admin(admin_url: str, *statements: str, fetch: str | None = None, args: tuple = ()):
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(admin_url))
    try:
        for sql in statements:
            await conn.execute(sql)
        if fetch:
            return await conn.fetchval(fetch, *args)
    finally:
        await conn.close()


def pg_admin(admin_url: str, *statements: str, fetch: str | None = None, args: tuple = ()):
    return asyncio.run(_pg_admin(admin_url, *statements, fetch=fetch, args=args))


def prepare_database(args, stamp: str) -> tuple[str, dict, dict]:
    """A fresh benchmark database: (SQLAlchemy URL, samples, dataset description)."""
    from generate import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    want = fingerprint(args.db, args.learners, args.seed)
    samples_path = CACHE / f"{args.db}-{args.learners}.samples.json"
    meta_path = CACHE / f"{args.db}-{args.learners}.meta.json"
    dataset: dict = {"learners": args.learners}

    def cached_meta() -> dict | None:
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return None
        return meta if meta.get("fingerprint") == want and samples_path.exists() else None

    if args.db == "sqlite":
        cache_db = CACHE / f"sqlite-{args.learners}.db"
        meta = cached_meta() if args.reuse and cache_db.exists() else None
        if meta is None:
            if args.reuse:
                log("--reuse: no usable cached database for these settings; generating one.")
            for p in (cache_db, Path(f"{cache_db}-wal"), Path(f"{cache_db}-shm"), meta_path):
                p.unlink(missing_ok=True)
            log(f"Generating {args.learners:,} learners into {cache_db.relative_to(PROJECT)} …")
            t = time.perf_counter()
            samples = asyncio.run(generate(f"sqlite:///{cache_db}", args.learners, samples_path, args.seed))
            meta = {
                "fingerprint": want,
                "alembic_head": alembic_head(),
                "generated_at": stamp,
                "seconds": round(time.perf_counter() - t, 1),
                "rows": samples["rows"],
            }
            meta_path.write_text(json.dumps(meta, indent=1))
            dataset["reused"] = False
        else:
            log(f"Reusing the cached database {cache_db.relative_to(PROJECT)} (generated {meta['generated_at']}).")
            dataset["reused"] = True
        run_db = WORK / f"sqlite-{args.learners}.db"
        for p in (run_db, Path(f"{run_db}-wal"), Path(f"{run_db}-shm")):
            p.unlink(missing_ok=True)
        shutil.copyfile(cache_db, run_db)
        url = f"sqlite+aiosqlite:///{run_db}"
        dataset["size_mb"] = round(run_db.stat().st_size / 1e6)
    else:
        template = f"{args.pg_database}_cache_{args.learners}"
        meta = None
        if args.reuse:
            comment = pg_admin(
                args.pg_admin_url,
                fetch="SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
                args=(template,),
            )
            meta = cached_meta()
            if meta is None or not comment or json.loads(comment).get("fingerprint") != want:
                log("--reuse: no usable cached template database for these settings; generating one.")
                meta = None
        if meta is None:
            meta_path.unlink(missing_ok=True)
            pg_admin(
                args.pg_admin_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)', f'CREATE DATABASE "{template}"'
            )
            log(f"Generating {args.learners:,} learners into the PostgreSQL database {template} …")
            t = time.perf_counter()
            samples = asyncio.run(
                generate(_with_database(args.pg_admin_url, template), args.learners, samples_path, args.seed)
            )
            meta = {
                "fingerprint": want,
                "alembic_head": alembic_head(),
                "generated_at": stamp,
                "seconds": round(time.perf_counter() - t, 1),
                "rows": samples["rows"],
            }
            comment = json.dumps({"fingerprint": want}).replace("'", "''")
            pg_admin(args.pg_admin_url, f"COMMENT ON DATABASE \"{template}\" IS '{comment}'")
            meta_path.write_text(json.dumps(meta, indent=1))
            dataset["reused"] = False
        else:
            log(f"Reusing the cached template database {template} (generated {meta['generated_at']}).")
            dataset["reused"] = True
        pg_admin(args.pg_admin_url, f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
        for attempt in range(20):  # autovacuum may be visiting the template for a moment
            try:
                pg_admin(args.pg_admin_url, f'CREATE DATABASE "{args.pg_database}" TEMPLATE "{template}"')
                break
            except Exception as exc:
                if "being accessed by other users" not in str(exc) or attempt == 19:
                    raise
                time.sleep(1)
        url = _with_database(args.pg_admin_url, args.pg_database)
        size = pg_admin(args.pg_admin_url, fetch="SELECT pg_database_size($1)", args=(args.pg_database,))
        dataset["size_mb"] = round(size / 1e6)
        dataset["postgresql"] = pg_admin(args.pg_admin_url, fetch="SHOW server_version")
    samples = json.loads(samples_path.read_text())
    head = alembic_head()
    if meta.get("alembic_head") != head:
        log(
            f"note: the data was generated at migration {meta.get('alembic_head')}, the code is at {head}: "
            "`scolarite serve` migrates it at start."
        )
    dataset.update(
        generated_at=meta["generated_at"],
        generation_seconds=meta["seconds"],
        rows=meta["rows"],
        total_rows=sum(meta["rows"].values()),
    )
    return url, samples, dataset


def write_samples_lua(samples: dict, path: Path) -> None:
    def lua(value) -> str:
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=True)  # a JSON string is a valid Lua string here
        if isinstance(value, list):
            return "{" + ",".join(lua(v) for v in value) + "}"
        return str(int(value))

    auth = "Basic " + base64.b64encode(f"{samples['login']}:{samples['password']}".encode()).decode()
    keys = ["learner_ids", "mail_addresses", "parcours_ids", "learner_ids_with_s", "learners_count"]
    body = ",\n".join(f"  {k} = {lua(samples[k])}" for k in keys)
    path.write_text(
        f"-- written by bench/run.py from the generator's samples\nreturn {{\n{body},\n"
        f"  authorization = {lua(auth)}\n}}\n"
    )


# -------------------------------------------------------------------------------------------- server


class Server:
    """``scolarite serve`` in a subprocess pinned to one CPU, with its CPU time and peak RSS."""

    def __init__(self, url: str, cpu: int, log_path: Path, log_level: str, extra: list[str]):
        self.url, self.cpu, self.log_path = url, cpu, log_path
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}/GraphV1/"
        self.cmd = [
            "taskset",
            "-c",
            str(cpu),
            scolarite_exe(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--database-url",
            url,
            "--log-level",
            log_level,
            *extra,
        ]
        self.proc: subprocess.Popen | None = None
        self.hz = os.sysconf("SC_CLK_TCK")

    def start(self, auth: tuple[str, str], timeout: float = 600) -> None:
        import httpx

        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log_file, stderr=subprocess.STDOUT, cwd=str(WORK))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                r = httpx.get(self.root, auth=auth, timeout=2)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """The server and its descendants (uvicorn workers, if any)."""
        if self.proc is None:
            return []
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            parents[int(stat.parent.name)] = int(fields[1])
        found, frontier = [self.proc.pid], [self.proc.pid]
        while frontier:
            frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
            found += frontier
        return found

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                text = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)
        return total / self.hz

    def peak_rss_mb(self) -> float:
        """The largest VmHWM (peak resident set) among the server's processes, in MB."""
        peak = 0
        for pid in self.pids():
            try:
                m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
            except OSError:
                continue
            if m:
                peak = max(peak, int(m.group(1)))
        return round(peak / 1024, 1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


def smoke_check(server: Server, samples: dict) -> dict[str, str]:
    """One request per scenario before loading: each must answer 2xx with data."""
    import httpx
    from statements import scenario_requests

    problems = {}
    auth = (samples["login"], samples["password"])
    with httpx.Client(base_url=server.root, auth=auth, timeout=30) as client:
        for name, spec in scenario_requests(samples).items():
            kwargs = {k: spec[k] for k in ("params", "json") if k in spec}
            r = client.request(spec["method"], spec["path"], **kwargs)
            if r.status_code >= 300:
                problems[name] = f"{r.status_code} {r.text[:200]}"
                continue
            body = r.json()
            if "value" in body and not body["value"]:
                problems[name] = "empty result"
    return problems


def first_page_check(server: Server, samples: dict) -> dict:
    """Target 5's second half: ``GET /Apprenant`` without ``$top`` answers one page
    of the configured size (``SCOLARITE_MAX_PAGE_SIZE``, 1,000 by default) with a
    next link, and the server's memory does not grow by the table's size."""
    import httpx

    expected = int(os.environ.get("SCOLARITE_MAX_PAGE_SIZE", "1000"))
    before = server.peak_rss_mb()
    t = time.perf_counter()
    r = httpx.get(server.root + "Apprenant", auth=(samples["login"], samples["password"]), timeout=120)
    seconds = time.perf_counter() - t
    body = r.json() if r.status_code == 200 else {}
    rows = len(body.get("value", []))
    return {
        "status": r.status_code,
        "rows": rows,
        "expected": expected,
        "next_link": "@odata.nextLink" in body,
        "ms": round(seconds * 1000, 1),
        "bytes": len(r.content),
        "peak_rss_mb_before": before,
        "peak_rss_mb_after": server.peak_rss_mb(),
        "ok": r.status_code == 200 and rows == expected and "@odata.nextLink" in body,
    }


# ----------------------------------------------------------------------------------------------- wrk


def run_wrk(
    args,
    server: Server,
    scenario: str,
    connections: int,
    seconds: float,
    samples_lua: Path,
    tag: str,
    raw_path: Path | None = None,
) -> dict:
    script = LUA / SCENARIOS[scenario][0]
    threads = max(1, min(args.threads, connections))
    cmd = [
        "taskset",
        "-c",
        str(args.client_cpu),
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{server.port}",
    ]
    env = dict(os.environ, BENCH_SAMPLES_LUA=str(samples_lua), BENCH_LUA_DIR=str(LUA), BENCH_RUN_TAG=tag)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    if raw_path is not None:
        raw_path.write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return json.loads(line[len("BENCH_RESULT ") :])


def measure(args, server: Server, scenario: str, connections: int, samples_lua: Path, stamp: str) -> dict:
    tag = f"{stamp}-{scenario}-c{connections}"
    if args.warmup > 0:
        run_wrk(args, server, scenario, connections, args.warmup, samples_lua, tag + "-warmup")
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    res = run_wrk(
        args,
        server,
        scenario,
        connections,
        args.duration,
        samples_lua,
        tag,
        WORK / f"wrk-{scenario}-c{connections}.txt",
    )
    wall, cpu = time.monotonic() - t0, server.cpu_seconds() - cpu0
    seconds = res["duration_us"] / 1e6
    socket_errors = sum(res["socket_errors"].values())
    lat = res["latency_us"]
    return {
        "scenario": scenario,
        "connections": connections,
        "requests": res["requests"],
        "rps": round(res["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p90_ms": round(lat["p90"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "errors": res["non2xx"] + socket_errors,
        "non2xx": res["non2xx"],
        "socket_errors": res["socket_errors"],
        "statuses": res["statuses"],
        "server_cpu_pct": round(100 * cpu / wall, 1),
        "server_peak_rss_mb": server.peak_rss_mb(),
    }


# -------------------------------------------------------------------------------------------- ceiling


def run_ceiling(args, url: str, samples: dict, scenarios: list[str], stamp: str) -> dict:
    from statements import capture_sync

    wanted = [s for s in scenarios if s != "S7"]
    if not wanted:
        return {}
    log("Capturing the server's statements for the ceiling …")
    captured = capture_sync(url, samples, wanted)
    spec = {
        "dialect": "sqlite" if url.startswith("sqlite") else "postgresql",
        "captured": captured,
        "samples": samples,
        "duration": args.ceiling_duration or args.duration,
        "warmup": min(2.0, args.warmup or 1.0),
        "concurrency": 16,
        "tag": stamp,
    }
    if spec["dialect"] == "sqlite":
        spec["path"] = url.split(":///", 1)[1]
    else:
        spec["dsn"] = _pg_dsn(url)
    spec_path = WORK / "ceiling-spec.pkl"
    spec_path.write_bytes(pickle.dumps(spec))
    log(f"Ceiling: the same statements straight to the database, pinned to CPU {args.server_cpu} …")
    proc = subprocess.run(
        ["taskset", "-c", str(args.server_cpu), sys.executable, str(BENCH / "ceiling.py"), str(spec_path)],
        capture_output=True,
        text=True,
        cwd=str(PROJECT),
    )
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"the ceiling failed:\n{proc.stderr[-3000:]}")
    results = json.loads(proc.stdout)
    for name, res in list(results.items()):
        if "skipped" in res:
            log(f"  ceiling {name} skipped: {res['skipped']}")
            del results[name]
            continue
        cap = captured[name]
        res["statements"] = [s["sql"] for s in cap["statements"]]
        res["auth_statements_per_request"] = cap["auth_statements"]
        res["transaction_statements_per_request"] = cap["control_statements"]
    return results


# ------------------------------------------------------------------------------------------------ S7


def importer_available(exe: str) -> bool:
    return (
        subprocess.run([exe, "import", "--help"], capture_output=True).returncode == 0
        and subprocess.run([exe, "import", "dossiers", "--help"], capture_output=True).returncode == 0
    )


def run_import(args, server: Server, samples: dict, stamp: str) -> dict:
    import httpx

    exe = scolarite_exe()
    if not importer_available(exe):
        return {"skipped": "importer not available"}
    auth = (samples["login"], samples["password"])
    # (Not with $filter: the server reads a typographic apostrophe in $filter as a quote.)
    listed = (
        httpx.get(server.root + "Recrutement", auth=auth, timeout=30, params={"$select": "Id,Nom"})
        .json()
        .get("value", [])
    )
    if not any(v.get("Nom") == VOIE_S7 for v in listed):
        return {"skipped": f"the demo voie d'entrée {VOIE_S7!r} is not listed by GET /Recrutement"}
    from generate import FEMALE, MALE, SURNAMES

    path = WORK / f"s7-{stamp}.csv"
    header = [
        "email",
        "civilite",
        "nom",
        "prenoms",
        "nom_usage",
        "prenom_usage",
        "date_naissance",
        "programme",
        "voie_entree",
        "regime",
        "etat_inscription",
        "date_inscription",
        "societe_facturation",
        "nature_client",
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(args.import_rows):
            male = i % 2 == 0
            w.writerow(
                [
                    f"s7.{stamp}.{i}@import.example.fr",
                    "M" if male else "MME",
                    SURNAMES[i % len(SURNAMES)],
                    (MALE if male else FEMALE)[i % 40],
                    "",
                    "",
                    f"{2000 + i % 8}-0{1 + i % 9}-1{i % 10}",
                    "PGE",
                    VOIE_S7,
                    "Etudiant",
                    "Admis",
                    "2023-11-20",
                    "SOC_FACTU_SCO",
                    "APPRENANT",
                ]
            )
    report, journal = WORK / f"s7-{stamp}.report.csv", WORK / f"s7-{stamp}.journal.sqlite"
    cmd = [
        "taskset",
        "-c",
        str(args.client_cpu),
        exe,
        "import",
        "dossiers",
        str(path),
        "--url",
        server.root,
        "--user",
        samples["login"],
        "--password",
        samples["password"],
        "-j",
        str(args.import_concurrency),
        "--report",
        str(report),
        "--journal",
        str(journal),
    ]
    log(f"S7: importing {args.import_rows} dossiers (-j {args.import_concurrency}) …")
    import resource

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu0, t0, client0 = server.cpu_seconds(), time.monotonic(), children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, COLUMNS="120"))
    wall, cpu = time.monotonic() - t0, server.cpu_seconds() - cpu0
    client_cpu = children_cpu() - client0  # the importer process (taskset execs it in place)
    (WORK / f"s7-{stamp}.out.txt").write_text(proc.stdout + proc.stderr)
    statuses: Counter = Counter()
    if report.exists():
        with report.open(encoding="utf-8") as f:
            statuses.update(row["status"] for row in csv.DictReader(f))
    created = statuses.get("created", 0)
    return {
        "rows": args.import_rows,
        "concurrency": args.import_concurrency,
        "seconds": round(wall, 2),
        "exit_code": proc.returncode,
        "statuses": dict(statuses),
        "created": created,
        "dossiers_per_s": round(created / wall, 1) if wall else 0,
        "failed": args.import_rows - created,
        "server_cpu_pct": round(100 * cpu / wall, 1),
        "server_peak_rss_mb": server.peak_rss_mb(),
        "importer_cpu_pct": round(100 * client_cpu / wall, 1),
        "requests_per_dossier": "≈ 12 (2 Mail, Apprenant, Inscription, 3 InscriptionPeriode, Client, "
        "ClientPourAffaire, and the lookups)",
    }


# -------------------------------------------------------------------------------------------- profile


def run_profile(args, server: Server, samples_lua: Path, stamp: str) -> dict:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists() and not shutil.which("py-spy"):
        return {"skipped": "py-spy is not installed (pip install py-spy)"}
    scenario = args.profile_scenario
    out = WORK / f"profile-{scenario}-{stamp}.txt"
    seconds = args.profile_seconds
    log(f"Profiling the server with py-spy during {scenario} (c=16, {seconds} s) …")
    spy_proc = subprocess.Popen(
        [
            "taskset",
            "-c",
            str(args.client_cpu),
            spy,
            "record",
            "--nonblocking",
            "--gil",
            "--threads",
            "--format",
            "raw",
            "--rate",
            "200",
            "--duration",
            str(seconds),
            "--pid",
            str(server.proc.pid),
            "--output",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(0.5)
    run_wrk(args, server, scenario, 16, seconds, samples_lua, f"{stamp}-profile")
    spy_out, _ = spy_proc.communicate(timeout=60)
    if not out.exists():
        return {"skipped": f"py-spy produced nothing: {spy_out[-500:]}"}
    own: Counter = Counter()
    inclusive: Counter = Counter()
    threads: Counter = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        label, _, rest = stack.partition(";")
        name = label.split(": ", 1)[-1]  # "thread (1234): MainThread" -> MainThread
        group = "main thread" if name == "MainThread" else re.sub(r"^Thread-\d+ ", "", name).strip("()") + " thread"
        threads[group] += n
        frames = [_short_frame(f) for f in rest.split(";")] if rest else ["(thread itself)"]
        suffix = "" if group == "main thread" else f" [{group}]"
        own[frames[-1] + suffix] += n
        for frame in set(frames):
            if not any(b in frame for b in BOILERPLATE):
                inclusive[frame + suffix] += n

    def top(counter: Counter, k: int) -> list:
        return [(f, round(100 * n / total, 1)) for f, n in counter.most_common(k)] if total else []

    return {
        "samples": total,
        "file": str(out.relative_to(PROJECT)),
        "threads": top(threads, 10),
        "self": top(own, 25),
        "inclusive": top(inclusive, 40),
    }


# Frames every sample goes through (process start-up, event loop), left out of the inclusive list.
BOILERPLATE = (
    "typer/",
    "click/",
    "asyncio/runners.py",
    "uvicorn/main.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "threading.py",
    "<module>",
    "scolarite/cli.py",
)


def _short_frame(frame: str) -> str:
    m = re.match(r"(.*) \((.*?):(\d+)\)$", frame.strip())
    if not m:
        return frame.strip()
    func, path, _line = m.groups()
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{func} ({path})"


# -------------------------------------------------------------------------------------------- report


def checks(
    db: str, rows: list[dict], ceiling: dict, imp: dict | None, first_page: dict | None = None
) -> list[tuple[str, bool, str]]:
    out = []
    c16 = {r["scenario"]: r for r in rows if r["connections"] == 16}
    for s, target in TARGETS.items():
        if s in c16:
            out.append((f"{s} ≥ {target:,} req/s at c=16", c16[s]["rps"] >= target, f"{c16[s]['rps']:,.0f}"))
    worst = max((r["p99_ms"] for r in c16.values() if r["scenario"] in TARGETS), default=None)
    if worst is not None:
        out.append((f"p99 < {P99_TARGET_MS} ms at c=16 (S1–S4, S6)", worst < P99_TARGET_MS, f"worst {worst} ms"))
    errors = sum(r["errors"] for r in rows)
    out.append(("zero errors", errors == 0, f"{errors}"))
    if "S5" in c16 and ceiling.get("S5"):
        ratio = c16["S5"]["rps"] / ceiling["S5"]["rate"] if ceiling["S5"]["rate"] else 0
        out.append((f"S5 within {S5_WITHIN:.0%} of its ceiling", ratio >= 1 - S5_WITHIN, f"{ratio:.0%} of ceiling"))
    peak = max([r["server_peak_rss_mb"] for r in rows] + [imp.get("server_peak_rss_mb", 0) if imp else 0])
    out.append((f"server peak RSS < {RSS_TARGET_MB} MB per worker", peak < RSS_TARGET_MB, f"{peak:.0f} MB"))
    if first_page:
        out.append(
            (
                f"GET /Apprenant without $top: one page of {first_page['expected']:,} and a next link",
                first_page["ok"],
                f"{first_page['rows']:,} rows, next link "
                f"{'yes' if first_page['next_link'] else 'no'}, {first_page['ms']} ms",
            )
        )
    if imp and "dossiers_per_s" in imp:
        out.append(
            (
                f"importer ≥ {IMPORT_TARGET} dossiers/s",
                imp["dossiers_per_s"] >= IMPORT_TARGET,
                f"{imp['dossiers_per_s']}/s",
            )
        )
    return out


def _fmt_rate(c: dict | None) -> str:
    return f"{c['rate']:,.0f}" if c else "–"


def _fmt_ratio(r: dict, ceiling: dict) -> str:
    c = ceiling.get(r["scenario"])
    return f"{100 * r['rps'] / c['rate']:.1f} %" if c and c.get("rate") else "–"


def markdown(result: dict) -> str:
    m, d, s = result["machine"], result["dataset"], result["settings"]
    dbname = "PostgreSQL" if result["db"] == "postgresql" else "SQLite"
    lines = [
        f"# Scolarite benchmark: {dbname}, {result['learners']:,} learners",
        "",
        f"Run {result['started']} (UTC), commit `{result['commit']}`"
        + (" with uncommitted changes under `src/`" if result["dirty"] else "")
        + f", {result['seconds']:.0f} s.",
        "",
        f"Command: `{result['command']}`",
        "",
        f"Machine: {m['cpu']} ({m['nproc']} CPUs), {m['memory_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {d['postgresql']}" if d.get("postgresql") else "")
        + f", {m['wrk']}. "
        f"Load average at start: {' / '.join(f'{x:.2f}' for x in m['load_average'])}.",
        "",
        f"Server: `scolarite serve --workers 1 --log-level {s['server_log_level']}` pinned to CPU {s['server_cpu']}; "
        f"wrk -t{s['threads']} pinned to CPU {s['client_cpu']}; {s['warmup']:g} s warm-up then {s['duration']:g} s "
        f"per scenario and connection count. Data: {d['total_rows']:,} rows"
        + (f", {d['size_mb']:,} MB" if d.get("size_mb") else "")
        + (" (reused)" if d.get("reused") else f", generated in {d['generation_seconds']:.0f} s")
        + ".",
        "",
        "| Scenario | c | req/s | p50 ms | p99 ms | errors | server CPU | server peak RSS | ceiling /s | of ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["scenarios"]:
        c = result["ceiling"].get(r["scenario"], {})
        lines.append(
            f"| {r['scenario']} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {r['server_cpu_pct']:.0f} % | "
            f"{r['server_peak_rss_mb']:.0f} MB | {_fmt_rate(c)} | {_fmt_ratio(r, result['ceiling'])} |"
        )
    imp = result.get("import")
    if imp:
        if "skipped" in imp:
            lines.append(f"| S7 | – | skipped: {imp['skipped']} | | | | | | | |")
        else:
            lines.append(
                f"| S7 | -j{imp['concurrency']} | {imp['dossiers_per_s']:,.1f} dossiers/s | | | "
                f"{imp['failed']} | {imp['server_cpu_pct']:.0f} % | {imp['server_peak_rss_mb']:.0f} MB "
                "| – | – |"
            )
    lines += ["", "Scenarios:", ""]
    for name, (_, text) in SCENARIOS.items():
        lines.append(f"* {name}: `{text}`")
    if imp and "skipped" not in imp:
        lines.append(
            f"* S7 here: {imp['rows']} new dossiers from a CSV (PGE, « {VOIE_S7} », Etudiant, Admis, "
            f"SOC_FACTU_SCO, APPRENANT), `-j {imp['concurrency']}`, {imp['seconds']} s end to end "
            f"(exit code {imp['exit_code']}, {imp['statuses']}); the importer process used "
            f"{imp.get('importer_cpu_pct', '?')} % of a CPU."
        )
    lines += ["", "## Issue 6 targets", ""]
    for text, ok, value in result["checks"]:
        lines.append(f"* {'✅' if ok else '❌'} {text}: {value}")
    if result["ceiling"]:
        client = next(iter(result["ceiling"].values())).get("client", "")
        lines += [
            "",
            "## Ceiling",
            "",
            f"The server's own SQL for each scenario (captured in-process with a SQLAlchemy "
            f"`before_cursor_execute` listener), replayed with the same rotating inputs straight to the database "
            f"({client}), pinned to CPU {s['server_cpu']}. Reads are sent as bare statements; the write (S6) "
            f"runs in one transaction. Authentication and transaction-control statements are not replayed.",
            "",
            "| Scenario | statements | ceiling /s | p50 ms | p99 ms | errors | auth stmts/request (server) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, c in result["ceiling"].items():
            lines.append(
                f"| {name} | {len(c['statements'])} | {c['rate']:,.0f} | {c['p50_ms']} | {c['p99_ms']} | "
                f"{c['errors']} | {c['auth_statements_per_request']} |"
            )
    prof = result.get("profile")
    if prof and "self" in prof:
        lines += [
            "",
            "## Profile of the server during S1 (py-spy --gil: samples of the thread holding the GIL, "
            f"{prof['samples']} samples, `{prof['file']}`)",
            "",
            "Samples by thread: " + ", ".join(f"{t} {pct} %" for t, pct in prof.get("threads", [])) + ".",
            "",
            "Own time (top frames):",
            "",
        ]
        lines += [f"* {pct} % {frame}" for frame, pct in prof["self"][:15]]
        lines += ["", "Inclusive time:", ""]
        lines += [f"* {pct} % {frame}" for frame, pct in prof["inclusive"][:25]]
    errs = [r for r in result["scenarios"] if r["errors"]]
    if errs or result.get("smoke_problems"):
        lines += ["", "## Errors", ""]
        for name, problem in (result.get("smoke_problems") or {}).items():
            lines.append(f"* smoke check {name}: {problem}")
        for r in errs:
            lines.append(
                f"* {r['scenario']} c={r['connections']}: statuses {r['statuses']}, socket errors {r['socket_errors']}"
            )
    return "\n".join(lines) + "\n"


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 150)
    dbname = "PostgreSQL" if result["db"] == "postgresql" else "SQLite"
    table = Table(title=f"{dbname}, {result['learners']:,} learners — commit {result['commit']}")
    for col in (
        "scenario",
        "c",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "server CPU",
        "peak RSS",
        "ceiling /s",
        "of ceiling",
        "target c=16",
    ):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for r in result["scenarios"]:
        c = result["ceiling"].get(r["scenario"], {})
        target = TARGETS.get(r["scenario"])
        mark = ""
        if target and r["connections"] == 16:
            mark = f"[{'green' if r['rps'] >= target else 'red'}]{target:,}[/]"
        table.add_row(
            r["scenario"],
            str(r["connections"]),
            f"{r['rps']:,.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            f"[red]{r['errors']}[/]" if r["errors"] else "0",
            f"{r['server_cpu_pct']:.0f} %",
            f"{r['server_peak_rss_mb']:.0f} MB",
            f"{c['rate']:,.0f}" if c else "–",
            _fmt_ratio(r, result["ceiling"]),
            mark,
        )
    imp = result.get("import")
    if imp:
        if "skipped" in imp:
            table.add_row("S7", "–", f"skipped: {imp['skipped']}", "", "", "", "", "", "", "", "")
        else:
            table.add_row(
                "S7",
                f"-j{imp['concurrency']}",
                f"{imp['dossiers_per_s']:,.1f}/s",
                "",
                "",
                str(imp["failed"]),
                f"{imp['server_cpu_pct']:.0f} %",
                f"{imp['server_peak_rss_mb']:.0f} MB",
                "",
                "",
                f"{IMPORT_TARGET}/s",
            )
    console.print(table)
    for text, ok, value in result["checks"]:
        console.print(f"  {'[green]✓[/]' if ok else '[red]✗[/]'} {text}: {value}")


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Scolarite benchmark (issue 6). See bench/README.md.")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--learners", type=int, default=100_000, help="10000, 100000 (default) or 1000000 (any N works)")
    p.add_argument("--scenarios", default="S1,S2,S3,S4,S5,S6,S7", help="comma-separated, default all")
    p.add_argument("--duration", type=float, default=20, help="measured seconds per scenario (default 20)")
    p.add_argument("--warmup", type=float, default=5, help="warm-up seconds before each measurement (default 5)")
    p.add_argument("--connections", default="16,64", help="connection counts (default 16,64)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: wrk has one CPU)")
    p.add_argument("--reuse", action="store_true", help="reuse the cached generated database when it matches")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-ceiling", action="store_true", help="skip the straight-to-database ceiling")
    p.add_argument("--ceiling-duration", type=float, default=None, help="seconds per ceiling scenario (= --duration)")
    p.add_argument("--import-rows", type=int, default=500, help="S7: dossiers in the generated CSV (default 500)")
    p.add_argument("--import-concurrency", type=int, default=8, help="S7: importer -j (default 8)")
    p.add_argument(
        "--profile",
        action="store_true",
        help="also record the server with py-spy during a scenario (--profile-scenario)",
    )
    p.add_argument("--profile-seconds", type=int, default=10)
    p.add_argument("--profile-scenario", default="S1", help="the scenario --profile records (default S1)")
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    p.add_argument(
        "--server-log-level",
        default="warning",
        help="scolarite serve --log-level (default warning: no access log line per request)",
    )
    p.add_argument("--server-arg", action="append", default=[], help="extra argument for scolarite serve (repeatable)")
    p.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1/postgres"),
        help="a PostgreSQL URL allowed to create databases (env BENCH_PG_ADMIN_URL)",
    )
    p.add_argument("--pg-database", default="scolarite_bench", help="the benchmark database (dropped and re-created)")
    p.add_argument("--no-results", action="store_true", help="do not write bench/results/")
    args = p.parse_args(argv)
    args.scenario_list = [s.strip().upper() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenario_list if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenarios {unknown}; choose among {', '.join(SCENARIOS)}")
    args.connection_list = [int(c) for c in args.connections.split(",") if c.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_tools()
    if (os.cpu_count() or 1) < 2:
        log("warning: one CPU only: server and load generator share it.")
        args.client_cpu = args.server_cpu
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    t_start = time.monotonic()
    commit, dirty = git_commit()
    info = machine()
    log(
        f"Scolarite benchmark: {args.db}, {args.learners:,} learners, scenarios {','.join(args.scenario_list)}, "
        f"commit {commit}{' (dirty)' if dirty else ''}, load average {info['load_average'][0]:.2f}"
    )
    url, samples, dataset = prepare_database(args, stamp)
    samples_lua = WORK / "samples.lua"
    write_samples_lua(samples, samples_lua)

    server = Server(url, args.server_cpu, WORK / f"server-{stamp}.log", args.server_log_level, args.server_arg)
    rows: list[dict] = []
    ceiling: dict = {}
    imp = None
    profile = None
    smoke: dict = {}
    first_page: dict = {}
    try:
        log(f"Starting: {' '.join(server.cmd)}")
        t = time.perf_counter()
        server.start((samples["login"], samples["password"]))
        log(f"Server ready in {time.perf_counter() - t:.1f} s on {server.root} (pid {server.proc.pid})")
        smoke = smoke_check(server, samples)
        for name, problem in smoke.items():
            log(f"warning: smoke check {name}: {problem}")
        first_page = first_page_check(server, samples)
        log(
            f"GET /Apprenant without $top: {first_page['rows']:,} rows, next link "
            f"{'yes' if first_page['next_link'] else 'no'}, {first_page['ms']} ms, peak RSS "
            f"{first_page['peak_rss_mb_before']:.0f} → {first_page['peak_rss_mb_after']:.0f} MB"
        )
        http = [s for s in args.scenario_list if s != "S7"]
        for scenario in http:
            for conns in args.connection_list:
                r = measure(args, server, scenario, conns, samples_lua, stamp)
                rows.append(r)
                log(
                    f"  {scenario} c={conns:<3} {r['rps']:>9,.0f} req/s  p50 {r['p50_ms']:>7.1f} ms  "
                    f"p99 {r['p99_ms']:>7.1f} ms  errors {r['errors']:<5} CPU {r['server_cpu_pct']:>3.0f} %  "
                    f"RSS {r['server_peak_rss_mb']:.0f} MB"
                )
        if args.profile and args.profile_scenario in http:
            profile = run_profile(args, server, samples_lua, stamp)
            for frame, pct in (profile.get("self") or [])[:12]:
                log(f"    {pct:5.1f} %  {frame}")
            if "skipped" in profile:
                log(f"profile skipped: {profile['skipped']}")
        if not args.no_ceiling:
            ceiling = run_ceiling(args, url, samples, http, stamp)
        if "S7" in args.scenario_list:
            imp = run_import(args, server, samples, stamp)
            if "skipped" in imp:
                log(f"S7 skipped: {imp['skipped']}")
            else:
                log(
                    f"  S7 {imp['dossiers_per_s']:.1f} dossiers/s ({imp['created']}/{imp['rows']} in "
                    f"{imp['seconds']} s; "
                    f"server CPU {imp['server_cpu_pct']:.0f} %, importer CPU {imp['importer_cpu_pct']:.0f} %)"
                )
    finally:
        server.stop()

    result = {
        "db": args.db,
        "learners": args.learners,
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "seconds": time.monotonic() - t_start,
        "commit": commit,
        "dirty": dirty,
        "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": info,
        "dataset": dataset,
        "settings": {
            "duration": args.duration,
            "warmup": args.warmup,
            "connections": args.connection_list,
            "threads": args.threads,
            "server_cpu": args.server_cpu,
            "client_cpu": args.client_cpu,
            "server_log_level": args.server_log_level,
            "server_args": args.server_arg,
        },
        "scenarios": rows,
        "ceiling": ceiling,
        "import": imp,
        "profile": profile,
        "smoke_problems": smoke,
        "first_page": first_page,
    }
    result["checks"] = checks(args.db, rows, ceiling, imp, first_page)
    print_table(result)
    if not args.no_results:
        RESULTS.mkdir(parents=True, exist_ok=True)
        base = RESULTS / f"{args.db}-{args.learners}-{stamp}"
        md = markdown(result)
        base.with_suffix(".md").write_text(md)
        base.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
        (RESULTS / f"latest-{args.db}.md").write_text(md)
        latest = (RESULTS / f"latest-{args.db}.md").relative_to(PROJECT)
        log(f"Results: {base.relative_to(PROJECT)}.md / .json, {latest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
