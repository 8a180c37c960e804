"""Benchmark: PouchDB (express-pouchdb on LevelDB, a PouchDB client; installed from npm for the run) against
FieldOps sync on the same run: 10,000 work-order documents replicated up against our push of 10,000 queued
mutations, then a fresh client's initial download of 10,000 against our initial pull of 10,000 orders.

Run: .venv/bin/python ops/bench/peers/pouchdb.py [--count 10000]
The work differs and the table says how: PouchDB stores documents it is given (LevelDB, never fsynced, no
rules); FieldOps replays each mutation through its rules and commits durably (WAL, synchronous=FULL).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from ops.bench.peers.npm_install import PeerInstallError, npm_install  # noqa: E402
from ops.bench.peers.pouchdb_scripts import DATABASE, write_scripts  # noqa: E402
from ops.bench.sync_pull import initial_pull  # noqa: E402
from ops.bench.sync_push import over_http  # noqa: E402
from ops.bench.sync_world import STEPS_PER_ORDER, offline_day, seed_world  # noqa: E402
from tests.live_server import LiveServer, free_port  # noqa: E402

POUCHDB_PACKAGES = ["pouchdb@9", "express-pouchdb@4", "express@4"]
START_TIMEOUT_S = 60.0
# `fieldops serve` starts slowly when the machine is busy (other benchmarks, test suites).
SERVER_START_TIMEOUT_S = 180.0
# One replication of 10,000 documents takes seconds; a stuck one fails the run instead of hanging it.
REPLICATION_TIMEOUT_S = 600


class PouchServer:
    """express-pouchdb on a port, its LevelDB files under `directory`."""

    def __init__(self, node: str, script: Path, directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / "server.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([node, str(script), str(directory), str(self.port)], cwd=script.parent, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the PouchDB server exited with {self.proc.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"the PouchDB server did not answer within {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def replicate(node: str, client: Path, mode: str, remote: str, directory: Path, count: int) -> dict:
    """One client run ('up' or 'down'); its JSON line: seconds, documents written, documents at the other end."""
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([node, str(client), mode, remote, str(directory), str(count)], check=False, cwd=client.parent,
                          capture_output=True, text=True, timeout=REPLICATION_TIMEOUT_S)
    if done.returncode != 0:
        raise SystemExit(f"the PouchDB client ({mode}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fieldops_push(directory: Path, count: int) -> float:
    """sync_push.py's HTTP push of `count` queued mutations (sync_push.PAGE per request) into a fresh SQLite world; seconds."""
    queue = offline_day(seed_world(directory, -(-count // STEPS_PER_ORDER)), count)
    return over_http(directory, str(directory / "fieldops.db"), queue, start_timeout_s=SERVER_START_TIMEOUT_S)


def fieldops_pull(directory: Path, count: int) -> tuple[float, int]:
    """sync_pull.py's initial pull (cookie null) by a technician with `count` orders: (seconds, objects)."""
    seed_world(directory, count)
    server = LiveServer(directory).start(timeout_s=SERVER_START_TIMEOUT_S)
    try:
        elapsed, objects, _, _, _ = initial_pull(server, "tech")
    finally:
        server.stop()
    return elapsed, objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        raise PeerInstallError("node is not on PATH: the PouchDB side runs on node")
    with tempfile.TemporaryDirectory(prefix="fieldops-peers-") as tmp:
        directory = Path(tmp)
        print(f"installing {' '.join(POUCHDB_PACKAGES)} from npm into {directory} ...", flush=True)
        npm = directory / "npm"
        npm_install(npm, POUCHDB_PACKAGES)
        server_js, client_js = write_scripts(npm)
        pouch = PouchServer(node, server_js, directory / "pouch-server")
        try:
            remote = f"{pouch.url}/{DATABASE}"
            up = replicate(node, client_js, "up", remote, directory / "phone-up", args.count)
            down = replicate(node, client_js, "down", remote, directory / "phone-down", args.count)
        finally:
            pouch.stop()
        print(f"PouchDB: {up['seconds']:.2f} s up, {down['seconds']:.2f} s down; now FieldOps ...", flush=True)
        push_s = fieldops_push(directory / "fieldops-push", args.count)
        pull_s, pulled = fieldops_pull(directory / "fieldops-pull", args.count)
    assert up["remote_docs"] == args.count and down["local_docs"] == args.count, (up, down)
    print(f"offline sync, side by side in one run ({args.count} each; seconds, lower is better)")
    print(f"  {'':58} {'FieldOps':>9} {'PouchDB 9':>10} {'ours/peer':>10}")
    print(f"  {'up: our push of queued mutations / PouchDB replicating docs':58} {push_s:9.2f} {up['seconds']:10.2f} {push_s / up['seconds']:9.2f}x")
    print(f"  {'down: a fresh client initial pull / initial replication':58} {pull_s:9.2f} {down['seconds']:10.2f} {pull_s / down['seconds']:9.2f}x")
    print(f"  FieldOps pulled {pulled} objects; PouchDB wrote {up['docs_written']} up, {down['docs_written']} down")
    print("  FieldOps replays each mutation through its rules and commits durably; PouchDB stores the documents it is given (LevelDB, no fsync)")


if __name__ == "__main__":
    main()
