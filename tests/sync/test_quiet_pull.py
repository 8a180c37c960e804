"""No-change pulls answered from memory (sync/quiet.py): a quiet device gets its cookie back without a read of its
own, sees its own push at once, and sees what another instance committed within the poll.
"""

from __future__ import annotations

import time

from sync.quiet import POLL_S
from tests.live_server import LiveServer, new_order_args
from tests.sync.device import Device

# From another instance's commit to a quiet device's answer here: the poll, with room for a loaded machine.
ACROSS_BUDGET_S = POLL_S + 5.0


def quiet_pulls(server: LiveServer) -> float:
    for line in server.anonymous().get("/metrics").text.splitlines():
        if line.startswith('fieldops_sync_pull_total{kind="quiet"}'):
            return float(line.split()[-1])
    return 0.0


def test_a_quiet_devices_repeated_pull_gets_its_cookie_back_from_memory(live, as_user):
    device = Device(as_user("tech"))
    device.pull()
    first = device.pull()
    before = quiet_pulls(live)
    again = device.pull()
    assert quiet_pulls(live) >= before + 1
    assert again["cookie"] == first["cookie"] and again["patch"] == [] and again["rejections"] == []
    assert again["last_mutation_id"] == first["last_mutation_id"] and again["server_time"] >= first["server_time"]


def test_a_device_sees_its_own_push_in_the_very_next_pull(as_user, world):
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    device = Device(as_user("tech"))
    device.pull()
    device.pull()  # remembered: the next one could come from memory
    device.do("arrive", work_order_id=wo)  # not accepted yet: refused, so only the rejection and the queue move
    assert device.sync_up() == 1
    body = device.pull()
    assert body["last_mutation_id"] == 1 and [r["code"] for r in body["rejections"]] == ["invalid_status"]
    device.do("accept", work_order_id=wo)
    assert device.sync_up() == 2
    body = device.pull()
    assert body["last_mutation_id"] == 2 and device.objects[("work_order", wo)]["status"] == "accepted"


def test_what_another_instance_commits_reaches_a_quiet_device_here_within_the_poll(start_server, tmp_path):
    here, there = start_server(), start_server(data_dir=tmp_path)
    device = Device(here.login("tech"))
    device.pull()
    device.pull()
    disp = there.login("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=there.login("tech").user["id"])
    committed = time.monotonic()
    while ("work_order", wo) not in device.objects and time.monotonic() - committed < ACROSS_BUDGET_S:
        device.pull()
    assert ("work_order", wo) in device.objects, "the order committed on the other instance never reached the quiet device"
    # The device's queue moved through the other instance: the answer here says so within the poll too.
    travelling = Device(there.login("tech"), client_id=device.client_id)
    travelling.do("accept", work_order_id=wo)
    assert travelling.sync_up() == 1
    pushed = time.monotonic()
    while (body := device.pull())["last_mutation_id"] != 1 and time.monotonic() - pushed < ACROSS_BUDGET_S:
        pass
    assert body["last_mutation_id"] == 1 and device.objects[("work_order", wo)]["status"] == "accepted"
