"""Power cuts during sync: SIGKILL the server in the middle of a push of thousands of mutations, restart,
retry, and every mutation lands exactly once; a push answered 200 survives a kill and restart.
"""

from __future__ import annotations

import threading
import time

import httpx

from server.ids import new_id
from sync.push import CHUNK_SIZE
from tests.live_server import new_order_args
from tests.sync.device import Device, read_db

QUEUE = 5_000


def accepted_order(server, world_users: dict[str, str]) -> str:
    disp = server.login("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world_users["tech"])
    disp.close()
    return wo


def users(server) -> dict[str, str]:
    return dict(read_db(server.data_dir, "SELECT username, id FROM users"))


def test_a_server_killed_mid_push_applies_every_mutation_exactly_once_after_restart_and_retry(start_server):
    server = start_server()
    wo = accepted_order(server, users(server))
    device = Device(server.login("tech"))
    device.do("accept", work_order_id=wo)
    for i in range(QUEUE - 1):
        device.do("add_note", work_order_id=wo, id=new_id(), text=f"reading {i}: pressure steady")

    failures: list[BaseException] = []

    def push_and_lose_the_answer() -> None:
        try:
            device.push(timeout=120)
        except httpx.HTTPError as exc:
            failures.append(exc)

    pusher = threading.Thread(target=push_and_lose_the_answer)
    pusher.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for the first chunk to commit, then cut the power
        rows = read_db(server.data_dir, "SELECT last_mutation_id FROM sync_clients WHERE client_id = ?", (device.client_id,))
        if rows and rows[0][0] >= CHUNK_SIZE:
            break
        time.sleep(0.002)
    server.kill()
    pusher.join(30)
    assert failures, "the push finished before the kill; the test did not cut it in the middle"

    committed = read_db(server.data_dir, "SELECT last_mutation_id FROM sync_clients WHERE client_id = ?", (device.client_id,))[0][0]
    notes = read_db(server.data_dir, "SELECT count(*) FROM notes WHERE work_order_id = ?", (wo,))[0][0]
    assert 0 < committed < QUEUE and committed % CHUNK_SIZE == 0
    assert notes == committed - 1  # the id and the effects it covers were committed together

    server.start()
    device.client.close()
    device.client = server.login("tech")
    assert device.sync_up() == QUEUE  # the app retries the whole queue
    assert device.push().json() == {"last_mutation_id": QUEUE}

    assert read_db(server.data_dir, "SELECT count(*), count(DISTINCT text) FROM notes WHERE work_order_id = ?", (wo,))[0] == (QUEUE - 1, QUEUE - 1)
    events = read_db(server.data_dir, "SELECT name, count(*) FROM wo_events WHERE work_order_id = ? GROUP BY name", (wo,))
    assert dict(events) == {"create_work_order": 1, "dispatch": 1, "accept": 1, "add_note": QUEUE - 1}
    numbers = [n for (n,) in read_db(server.data_dir, "SELECT n FROM wo_events WHERE work_order_id = ? ORDER BY n", (wo,))]
    assert numbers == list(range(1, QUEUE + 3))  # create, dispatch, accept and the notes, no gap, no repeat
    assert read_db(server.data_dir, "SELECT count(*) FROM sync_rejections")[0][0] == 0
    device.client.close()


def test_a_push_answered_200_survives_a_kill_and_restart(start_server):
    server = start_server()
    wo = accepted_order(server, users(server))
    device = Device(server.login("tech"))
    device.do("accept", work_order_id=wo)
    device.do("arrive", work_order_id=wo)
    for i in range(20):
        device.do("add_note", work_order_id=wo, id=new_id(), text=f"step {i}")
    assert device.sync_up() == 22
    server.kill()  # at once: no shutdown, no checkpoint
    server.start()
    device.client.close()
    device.client = server.login("tech")
    body = device.pull()
    assert body["last_mutation_id"] == 22
    order = device.objects[("work_order", wo)]
    assert order["status"] == "on_site" and len(order["notes"]) == 20
    device.client.close()
