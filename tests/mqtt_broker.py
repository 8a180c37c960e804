"""A real Mosquitto for tests, configured from the project's own ops/mosquitto files.

Import `mosquitto_broker` into a conftest; a missing /usr/sbin/mosquitto fails the test, never skips it.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["MosquittoBroker", "mosquitto_broker", "free_port", "broker_config", "USERS"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_CONF = PROJECT_ROOT / "ops" / "mosquitto" / "mosquitto.conf"
PRODUCTION_ACL = PROJECT_ROOT / "ops" / "mosquitto" / "acl"
MOSQUITTO = "/usr/sbin/mosquitto"

# Test accounts: the service account and a device account from the production ACL, plus a
# test-only publisher allowed to write any topic (the simulator / "the outside world").
USERS = {"fieldops": "fieldops-secret", "leak-7": "leak-7-secret", "tester": "tester-secret"}
_TEST_ONLY_ACL = "\n# test-only: a publisher that may write anything\nuser tester\ntopic readwrite #\n"

# How long a broker may take to accept connections before the fixture gives up.
START_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker_config(directory: Path, port: int, tls_port: int | None = None) -> str:
    """The production config with its site-specific lines replaced by local test values."""
    kept: list[str] = []
    skip_next = False
    for line in PRODUCTION_CONF.read_text().splitlines():
        if skip_next:
            skip_next = False
            continue
        if line.strip() == "# site-specific":
            skip_next = True
            continue
        kept.append(line)
    kept += [
        "",
        "# --- test values (tests/mqtt_broker.py) ---",
        f"user {getpass.getuser()}",
        f"persistence_location {directory}/",
        f"password_file {directory / 'passwd'}",
        f"acl_file {directory / 'acl'}",
        f"listener {port} 127.0.0.1",
        f"log_dest file {directory / 'mosquitto.log'}",
        "log_type all",
    ]
    if tls_port is not None:
        kept += [
            f"listener {tls_port} 127.0.0.1",
            f"certfile {directory / 'server.crt'}",
            f"keyfile {directory / 'server.key'}",
            "tls_version tlsv1.2",
        ]
    return "\n".join(kept) + "\n"


class MosquittoBroker:
    """One Mosquitto process on 127.0.0.1; stop() and start() keep the port and persistence dir."""

    def __init__(self, directory: Path, port: int | None = None, tls: bool = False) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.tls_port = free_port() if tls else None
        self.host = "127.0.0.1"
        self._process: subprocess.Popen | None = None
        self._write_files()

    def _write_files(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if shutil.which("mosquitto_passwd") is None:
            raise RuntimeError("mosquitto_passwd not found: install the mosquitto package")
        passwd = self.directory / "passwd"
        passwd.write_text("")
        for user, password in USERS.items():
            subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
        (self.directory / "acl").write_text(PRODUCTION_ACL.read_text() + _TEST_ONLY_ACL)
        if self.tls_port is not None:
            self._write_self_signed_certificate()
        (self.directory / "mosquitto.conf").write_text(broker_config(self.directory, self.port, self.tls_port))

    def _write_self_signed_certificate(self) -> None:
        """A certificate for 127.0.0.1 that is its own CA; clients trust it via `?ca=`."""
        if shutil.which("openssl") is None:
            raise RuntimeError("openssl not found: needed for the TLS listener test")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(self.directory / "server.key"), "-out", str(self.directory / "server.crt")],
            check=True, capture_output=True,
        )

    def tls_url(self, user: str = "fieldops") -> str:
        return f"mqtts://{user}:{USERS[user]}@{self.host}:{self.tls_port}?ca={self.directory / 'server.crt'}"

    def url(self, user: str = "fieldops") -> str:
        return f"mqtt://{user}:{USERS[user]}@{self.host}:{self.port}"

    @property
    def log(self) -> str:
        path = self.directory / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        if not Path(MOSQUITTO).exists():
            raise RuntimeError(f"{MOSQUITTO} is missing: the MQTT tests need a real Mosquitto")
        self._process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.directory / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self._process.stderr.read().decode()}\n{self.log}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mosquitto did not accept on port {self.port}\n{self.log}")

    def stop(self) -> None:
        """Stop cleanly (SIGTERM): Mosquitto writes its persistence database on the way out."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stderr.close()
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A running Mosquitto with the project's config, stopped after the test."""
    broker = MosquittoBroker(tmp_path / "mosquitto")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
