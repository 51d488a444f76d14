"""A server killed (SIGKILL) in the middle of writes loses none it acknowledged and leaves none half done; it
starts again on the same database as if nothing happened (issue 12, item 9).  The importer's own kill-and-resume
tests are in test_import_cli.py and test_import_resume.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import httpx
from conftest import PASSWORD, UNTHROTTLED, USER, _free_port

AUTH = (USER, PASSWORD)


def _serve(database_url: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOLARITE_")} | UNTHROTTLED
    env["SCOLARITE_DB_POOL_SIZE"] = "4"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scolarite.cli",
            "serve",
            "--workers",
            "1",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}/GraphV1/"
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(root, auth=AUTH, timeout=2).status_code == 200:
                return proc, root
        except httpx.TransportError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("the server did not start")
        time.sleep(0.2)


def test_sigkill_during_writes_loses_nothing_acknowledged(server, database_url):
    proc, root = _serve(database_url)
    tag = uuid.uuid4().hex[:8]
    acknowledged: list[tuple[str, int, str]] = []  # (entity set, Id, marker)
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=root, auth=AUTH, timeout=10) as c:
            i = 0
            while not stop.is_set():
                i += 1
                marker = f"KILL{tag}{n}x{i}"
                try:
                    mail = c.post("Mail", json={"Adresse": f"{marker.lower()}@ecole.fr"})
                    if mail.status_code != 201:
                        continue
                    acknowledged.append(("Mail", mail.json()["Id"], marker.lower()))
                    # A learner is several rows (the Apprenant, its Individu, its code counter): all or none.
                    learner = c.post(
                        "Apprenant",
                        json={"Nom": marker, "Prenoms": "Paul", "CiviliteId": 1541, "MailId": mail.json()["Id"]},
                    )
                    if learner.status_code == 201:
                        acknowledged.append(("Apprenant", learner.json()["Id"], marker))
                except httpx.TransportError:
                    return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acknowledged) > 10, "the writers had not started when the server was killed"

    proc, root = _serve(database_url)
    try:
        with httpx.Client(base_url=root, auth=AUTH, timeout=30) as c:
            for entity_set, key, _marker in acknowledged:
                r = c.get(f"{entity_set}({key})")
                assert r.status_code == 200, (entity_set, key, r.text)
            learners = c.get(
                "Apprenant",
                params={"$filter": f"startswith(Nom,'KILL{tag}')", "$select": "Id,Nom,Code,IndividuId", "$top": "1000"},
            ).json()
            for learner in learners["value"]:  # acknowledged or not, none is half made
                assert learner["Code"].startswith("A") and learner["IndividuId"], learner
            # Writes go on after the restart, with codes the killed server never handed out twice.
            codes = [learner["Code"] for learner in learners["value"]]
            assert len(codes) == len(set(codes))
            mail = c.post("Mail", json={"Adresse": f"after.{tag}@ecole.fr"})
            assert mail.status_code == 201, mail.text
    finally:
        proc.terminate()
        proc.wait(20)
