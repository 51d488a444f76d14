#!/usr/bin/env python3
"""CI's first stage: the README's commands, run as a newcomer runs them.

Stdlib only (it runs before anything is installed).  Two passes:

1. **From a copy of the checkout**: the README's "Run it" command exactly as written
   (it makes its own virtualenv and installs the project into it), in a shell
   without the CI's virtualenv on PATH.
2. **From a wheel**: a wheel built from the checkout, installed with no extras into
   a fresh virtualenv in a directory outside the checkout (so migrations and demo
   referentials must really be in the wheel); there the serving part of the "Run
   it" command runs as written.

In each pass, once the server answers, every ``curl`` line of the "Run it" section
must answer 2xx, then every command of the "Import" section must exit 0.  The
server is stopped, and if anything failed the run fails with the server's last
lines.  Nothing of the README is copied here: the commands are read from it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = float(os.environ.get("SMOKE_START_TIMEOUT", "180"))  # install included, on a slow mirror
STEP_TIMEOUT = 300


class SmokeFailure(Exception):
    pass


# ---------------------------------------------------------------------------- the README


def section(readme: str, title_start: str) -> str:
    """The text of the ``## title…`` section (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(title_start)}.*?$(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not match:
        raise SmokeFailure(f"README.md has no section starting with '## {title_start}'")
    return match.group(1)


def commands(text: str) -> list[str]:
    """The commands of the ```sh blocks of ``text`` (continuation lines joined, comments dropped)."""
    out: list[str] = []
    for block in re.findall(r"```(?:sh|bash|shell|console)\n(.*?)```", text, re.S):
        pending = ""
        for line in block.splitlines():
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.rstrip().endswith("\\"):
                pending = line.rstrip()[:-1]
                continue
            if line.strip() and not line.lstrip().startswith("#"):
                out.append(line.strip())
    return out


# ---------------------------------------------------------------------------- processes


def clean_env() -> dict[str, str]:
    """The environment of a fresh shell: no virtualenv of CI's on PATH, no Scolarite setting."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCOLARITE_", "PYTHON", "PIP_REQUIRE", "VIRTUAL_ENV"))}
    venv = os.environ.get("VIRTUAL_ENV")
    parts = [p for p in env.get("PATH", "").split(os.pathsep)
             if not (venv and p.startswith(venv)) and ".venv" not in p]
    env["PATH"] = os.pathsep.join(parts)
    env["COLUMNS"] = "120"
    return env


def run(command: str, cwd: Path, what: str, timeout: float = STEP_TIMEOUT) -> str:
    print(f"   $ {command}", flush=True)
    started = time.monotonic()
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise SmokeFailure(f"{what} exited with {proc.returncode}: {command}\n{tail(proc.stdout + proc.stderr)}")
    print(f"     ok ({time.monotonic() - started:.1f} s)", flush=True)
    return proc.stdout


def tail(text: str, lines: int = 40) -> str:
    return "\n".join("     | " + line for line in text.splitlines()[-lines:])


class Server:
    """The README's serving command, in its own process group, its output kept in a file."""

    def __init__(self, command: str, cwd: Path):
        self.command = command
        self.log_path = cwd / "server.log"
        self.log = open(self.log_path, "w")
        print(f"   $ {command}   (in the background)", flush=True)
        self.proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=clean_env(), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, root: str) -> float:
        """Seconds until the service root answers (401 without credentials is an answer)."""
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT:
            if self.proc.poll() is not None:
                raise SmokeFailure(f"the server exited with {self.proc.returncode} before answering")
            try:
                urllib.request.urlopen(root, timeout=2)
                return time.monotonic() - started
            except urllib.error.HTTPError:
                return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.25)
        raise SmokeFailure(f"the server did not answer at {root} within {START_TIMEOUT:.0f} s")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()
        return self.proc.returncode


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# ---------------------------------------------------------------------------- the passes


def curl_status(command: str, cwd: Path) -> str:
    """Run a README curl line as written, with options that make it report its status (the last
    ``-o``/``-w`` win in curl)."""
    checked = f"{command} --silent --show-error --output /dev/null --write-out '%{{http_code}}'"
    proc = subprocess.run(["bash", "-c", checked], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=60)
    return proc.stdout.strip() or f"curl failed: {proc.stderr.strip()}"


def exercise(name: str, serve: str, cwd: Path, curls: list[str], imports: list[str]) -> None:
    match = re.search(r"https?://[^/\s\"']+/GraphV1/", " ".join(curls))
    if not match:
        raise SmokeFailure("the README's curl lines name no http://…/GraphV1/ address")
    root = match.group(0)
    port = int(re.search(r":(\d+)/", root).group(1)) if re.search(r":(\d+)/", root) else 80
    if not port_free(port):
        raise SmokeFailure(f"port {port} is already in use: stop what listens there and run again")
    print(f"== smoke, {name}", flush=True)
    server = Server(serve, cwd)
    failure: SmokeFailure | None = None
    try:
        seconds = server.wait_until_serving(root)
        print(f"     serving at {root} after {seconds:.1f} s", flush=True)
        for command in curls:
            print(f"   $ {command}", flush=True)
            status = curl_status(command, cwd)
            if not re.fullmatch(r"2\d\d", status):
                raise SmokeFailure(f"a README curl answered {status}, not 2xx: {command}")
            print(f"     {status}", flush=True)
        for command in imports:
            run(command, cwd, "a README import command")
    except SmokeFailure as exc:
        failure = exc
    finally:
        code = server.stop()
    if failure is not None:
        raise SmokeFailure(f"{failure}\n   the server's last lines:\n{tail(server.output())}")
    banner = server.output()
    for expected in ("GraphV1/$metadata", "curl "):
        if expected not in banner:
            raise SmokeFailure(f"the server's first lines do not show {expected!r}:\n{tail(banner)}")
    print(f"     server stopped (exit code {code})", flush=True)


def copy_checkout(dest: Path) -> None:
    """The files git knows of, with their working-tree content (CI's clone is clean, so that is main)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def main() -> int:
    readme = (ROOT / "README.md").read_text()
    run_it = section(readme, "Run it")
    run_commands = commands(run_it)
    if not run_commands:
        raise SmokeFailure("the README's 'Run it' section has no command")
    start = run_commands[0]
    curls = [c for c in run_commands[1:] if c.startswith("curl ")]
    imports = commands(section(readme, "Import"))
    if not curls or not imports:
        raise SmokeFailure("the README must show curl lines in 'Run it' and commands in 'Import'")
    serve = start.split("&&")[-1].strip()
    if "serve" not in serve:
        raise SmokeFailure(f"the last part of the 'Run it' command does not start the server: {start}")

    with tempfile.TemporaryDirectory(prefix="scolarite-smoke-") as tmp:
        work = Path(tmp)
        newcomer = work / "checkout"
        copy_checkout(newcomer)
        exercise("the README's 'Run it' command in a copy of the checkout", start, newcomer, curls, imports)

        print("== smoke, a wheel installed outside the checkout (no extras)", flush=True)
        dist = work / "dist"
        run(f"{shlex.quote(sys.executable)} -m pip wheel --quiet --no-deps --wheel-dir {dist} {shlex.quote(str(ROOT))}",
            work, "building the wheel")
        wheel = next(dist.glob("scolarite-*.whl"))
        home = work / "elsewhere"
        home.mkdir()
        run(f"{shlex.quote(sys.executable)} -m venv .venv && .venv/bin/pip install --quiet {shlex.quote(str(wheel))}",
            home, "installing the wheel")
        shutil.copytree(ROOT / "examples", home / "examples")
        exercise("the wheel's 'scolarite serve' as the README runs it", serve, home, curls, imports)
    print("== smoke: the README's commands work", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SmokeFailure as exc:
        print(f"SMOKE FAILED: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
