"""The login throttle against strangers: huge usernames cost nothing kept, wrong names from one address do not
lock out the others behind it, forwarded addresses count only from configured proxies, a name tried from many
addresses is slowed, and the counts survive a restart."""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.world import PASSWORD

LOGIN = "/api/v1/auth/login"


def login(client, username: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return client.post(LOGIN, json={"username": username, "password": password}, headers=headers).status_code


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise KeyError("VmRSS")


def failure_rows(data_dir: Path) -> int:
    from tests import backend

    with backend.connect(data_dir / "fieldops.db") as db:
        return db.execute("SELECT count(*) FROM login_failures").fetchone()[0]


def test_250_logins_with_megabyte_usernames_are_refused_and_the_server_keeps_nothing(start_server):
    server = start_server()
    with server.anonymous() as anon:
        r = anon.post(LOGIN, json={"username": "u" * 65, "password": "whatever-1"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "credentials_too_long"
        r = anon.post(LOGIN, json={"username": "tech", "password": "p" * 1025})
        assert r.status_code == 422 and r.json()["error"]["code"] == "credentials_too_long"
        before = rss_mib(server.proc.pid)
        for _ in range(250):
            huge = secrets.token_hex(512 * 1024)  # 1 MB, a new name each time
            assert anon.post(LOGIN, json={"username": huge, "password": "wrong-password"}).status_code == 422
        after = rss_mib(server.proc.pid)
        print(f"server RSS before {before:.0f} MiB, after 250 logins with 1 MB usernames {after:.0f} MiB")
        assert after - before < 40, (before, after)
        assert failure_rows(server.data_dir) == 0
        assert login(anon, "tech", PASSWORD) == 200


def test_wrong_names_from_one_address_do_not_lock_out_everyone_behind_it(start_server):
    server = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES_PER_ADDRESS": "20"})
    with server.anonymous() as office:
        for i in range(21):  # a stranger in the same office (one NAT) tries random names
            assert login(office, f"nobody-{i}", "wrong-password") in (401, 429)
        assert login(office, "nobody-3", "wrong-password") == 429  # the names that failed from here are refused
        for colleague in ("disp", "tech", "guard"):
            assert login(office, colleague, PASSWORD) == 200


def test_forwarded_addresses_are_ignored_unless_they_come_from_a_trusted_proxy(start_server, tmp_path):
    server = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES": "3"})
    with server.anonymous() as anon:
        codes = [login(anon, "tech", f"guess-{i}", forwarded_for=f"10.0.0.{i}") for i in range(5)]
        assert codes == [401, 401, 401, 429, 429]  # a rotating header does not make new addresses
    server.stop()

    behind_proxy = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES": "3", "FIELDOPS_LOGIN_MAX_FAILURES_PER_ADDRESS": "3",
                                     "FIELDOPS_TRUSTED_PROXIES": "127.0.0.1"}, data_dir=tmp_path / "proxied")
    with behind_proxy.anonymous() as proxy:
        for name in ("ghost-1", "ghost-2", "ghost-3"):
            assert login(proxy, name, "wrong-password", forwarded_for="203.0.113.7") == 401
        assert login(proxy, "ghost-1", "wrong-password", forwarded_for="203.0.113.7") == 429  # that client's budget
        assert login(proxy, "ghost-1", "wrong-password", forwarded_for="198.51.100.2") == 401  # another client's own
        assert login(proxy, "disp", PASSWORD, forwarded_for="203.0.113.7") == 200


def test_a_name_guessed_from_many_addresses_is_slowed_not_locked(start_server):
    server = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES": "3", "FIELDOPS_TRUSTED_PROXIES": "127.0.0.1"})
    with server.anonymous() as proxy:
        for i in range(3):
            assert login(proxy, "tech", "guess", forwarded_for=f"10.1.0.{i}") == 401
        r = proxy.post(LOGIN, json={"username": "tech", "password": PASSWORD}, headers={"X-Forwarded-For": "10.9.9.9"})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 2  # seconds, not the 15-minute window


def test_the_throttle_remembers_failures_across_a_restart(start_server, tmp_path):
    server = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES": "3"})
    with server.anonymous() as anon:
        assert [login(anon, "guard", f"guess-{i}") for i in range(3)] == [401, 401, 401]
        assert login(anon, "guard", PASSWORD) == 429
    server.stop()
    again = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES": "3"}, data_dir=tmp_path)
    with again.anonymous() as anon:
        r = anon.post(LOGIN, json={"username": "guard", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 800
