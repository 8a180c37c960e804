"""Times a device or a client can send that no real step has: refused with `invalid_time` (a push keeps the
facts of what it refused), dated no earlier than a year before the push, and never a 5xx or a broken list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.clock import now, parse_rfc3339, to_rfc3339
from server.ids import new_id
from sync.clock_offset import MAX_OFFLINE_S
from tests.live_server import new_order_args
from tests.sync.device import Device

EDGES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0999-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
         "2200-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T08:00:00", "x" * 70]


def test_an_offline_order_dated_in_the_year_999_is_refused_and_the_sites_lists_still_work(as_user):
    tech, disp, boss, root = as_user("tech"), as_user("disp"), as_user("boss"), as_user("root")
    device = Device(tech)
    args = new_order_args("north", title="Leak found in the plant room")
    device.do("create_work_order", client_ts="0999-01-01T00:00:00Z", **args)
    assert device.sync_up() == 1
    [rejection] = device.pull()["rejections"]
    assert rejection["code"] == "invalid_time"
    for client in (disp, boss, root):
        r = client.get("/api/v1/work-orders", params={"site_id": "north"})
        assert r.status_code == 200, r.text
    assert Device(disp).pull()["patch"] is not None  # a full pull of the site still reads every order


def test_a_device_clock_far_behind_dates_its_steps_no_earlier_than_a_year_before_the_push(as_user):
    disp, tech = as_user("disp"), as_user("tech")
    device = Device(tech)
    args = new_order_args("north")
    # the device's clock was right when it queued the step, then reset to 1971 before it pushed
    device.do("create_work_order", client_ts="1971-01-01T00:00:00Z", **args)
    body = {"client_id": device.client_id, "client_time": to_rfc3339(now()), "mutations": device.queue}
    assert tech.post("/api/v1/sync/push", json=body).status_code == 200
    created = parse_rfc3339(disp.order(args["id"])["created_at"])
    assert now() - created <= timedelta(seconds=MAX_OFFLINE_S + 60)
    assert now() - created >= timedelta(seconds=MAX_OFFLINE_S - 60)


@pytest.mark.parametrize("text", EDGES)
def test_an_online_time_out_of_range_is_a_422_with_invalid_time(as_user, world, text):
    disp = as_user("disp")
    r = disp.mutate("create_work_order", **new_order_args("north", requested_at=text))
    assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_time", "invalid_arguments"), r.text
    order = disp.ok("create_work_order", **new_order_args("north"))
    r = disp.mutate("defer", work_order_id=order["id"], reason="parts on order", promised_at=text)
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("text", EDGES)
def test_a_push_whose_client_time_is_out_of_range_is_a_422(as_user, text):
    tech = as_user("tech")
    r = tech.post("/api/v1/sync/push", json={"client_id": new_id(), "client_time": text, "mutations": []})
    assert r.status_code in (400, 422) and "error" in r.json(), r.text


def test_arguments_nested_100000_deep_are_refused_not_a_crash(as_user):
    tech = as_user("tech")
    deep = "[" * 100_000 + "]" * 100_000
    body = ('{"client_id": "deep-1", "client_time": "%s", "mutations": [{"id": 1, "name": "add_note", "args": %s}]}'
            % (to_rfc3339(now()), deep))
    r = tech.post("/api/v1/sync/push", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "nesting_too_deep", r.text
    # deep, but inside what a decoder reads: the one mutation is refused, the queue moves on
    device = Device(tech)
    nested: object = "x"
    for _ in range(200):
        nested = [nested]
    device.do("add_note", work_order_id=new_id(), id=new_id(), text=nested)
    device.do("add_note", work_order_id=new_id(), id=new_id(), text="fine")
    assert device.sync_up() == 2
    codes = [r["code"] for r in device.pull()["rejections"]]
    assert codes[0] == "arguments_too_deep"
