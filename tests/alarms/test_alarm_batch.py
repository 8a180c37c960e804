"""A batch of sensor messages applied together ends where the same messages applied one by one end: the same alarms,
counts, clears, chatter, tickets, pushes owed, liveness and change log; one bad message costs only itself."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from iot.bridge import ReceivedMessage
from iot.intake import SensorIntake
from server.domain.alarms.batch import apply_batch, chunks
from server.domain.alarms.events import SensorEvent
from server.domain.alarms.rules import apply_events
from tests.backend import open_store
from tests.world import build_world

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def two_stores(tmp_path):
    stores = []
    for name in ("one_by_one", "batched"):
        build_world(str(tmp_path / f"{name}.db"))
        stores.append(open_store(str(tmp_path / f"{name}.db")))
    yield stores
    for s in stores:
        s.close()


def event(device, kind="water_leak", active=True, n=None, site="north", battery=None, zone="B2"):
    exact = f"native:fieldops/{site}/{device}/event:seq:{n}" if n is not None else f"native:{device}-{kind}-{active}"
    return SensorEvent(source="native", device=device, kind=kind, active=active, message_id=exact, site_id=site, zone=zone,
                       seq=n, battery=battery)


# A storm in three batches: repeats of active alarms, a redelivery (inside a batch and across batches), a leak
# cleared and raised again (chatter), a heartbeat with a battery level, an offline device, a silent sensor's return.
BATCHES = [
    [[event("leak-1", n=1)], [event("leak-2", n=1)], [event("leak-1", n=2)], [event("leak-1", n=2)], [event("smoke-1", "smoke", n=1, site="south")]],
    [[event("leak-1", n=3)], [event("leak-1", n=1)], [event("leak-2", active=False, n=2)], [event("leak-2", n=3)],
     [event("leak-2", active=False, n=4)], [event("leak-3", "heartbeat", battery=40)], [event("leak-3", "heartbeat")]],
    [[event("leak-2", n=5)], [event("door-1", "availability", active=False)], [event("leak-1", n=4), event("leak-1", "low_battery", n=None)],
     [event("smoke-1", "smoke", n=2, site="south")], [event("leak-9", n=1, site="nowhere")]],
]

COMPARED = {
    "alarms": "SELECT site_id, device_id, kind, zone, state, count, first_seen, last_seen, cleared_at, chattering, transitions,"
              " work_order_id IS NOT NULL AS ticket FROM alarms ORDER BY site_id, device_id, kind",
    "sensor_devices": "SELECT source, topic_site, device, site_id, last_seen, online, battery FROM sensor_devices ORDER BY device",
    "sensor_messages": "SELECT message_id FROM sensor_messages ORDER BY message_id",
    "pushes owed": "SELECT audience, site_id FROM push_outbox ORDER BY id",
    "alarms changed": "SELECT count(DISTINCT obj_id) AS n, count(*) AS entries FROM changes WHERE type = 'alarm'",
}


def state(store):
    return {name: store.read(lambda tx, sql=sql: tx.query(sql)) for name, sql in COMPARED.items()}


def test_a_batch_ends_where_the_same_messages_one_by_one_end(two_stores):
    one_by_one, batched = two_stores
    for n, batch in enumerate(BATCHES):
        at = T0 + timedelta(seconds=20 * n)

        def each(tx, batch=batch, at=at):
            touched: dict[str, None] = {}  # as the intake's fallback shares it across one transaction
            return [apply_events(tx, events, at, 60, touched) for events in batch]

        singles = one_by_one.write(each)
        together = batched.write(lambda tx, batch=batch, at=at: apply_batch(tx, batch, at, 60))
        expected = ["duplicate" if o.duplicate else "raised" if o.outbox_ids else "updated" for o in singles]
        assert together.labels == expected
        assert len(together.outbox_ids) == sum(len(o.outbox_ids) for o in singles)
        assert len(set(together.alarm_ids)) == len({a for o in singles for a in o.alarm_ids})  # ids are new on each side
    assert state(batched) == state(one_by_one)
    leak = batched.read(lambda tx: tx.one("SELECT count, chattering FROM alarms WHERE device_id = 'leak-1' AND kind = 'water_leak'"))
    assert leak == {"count": 4, "chattering": 0}  # seq 1, 2, 3, 4; the redelivered 2 and 1 are not counted


class _Services:
    def __init__(self, store):
        self.store = store

        class Settings:
            escalate_after_s = 60

        self.settings = Settings()


class _Quiet:
    def claim_in(self, tx, ids):
        return []

    def send(self, ids, claimed=()):
        self.sent = ids

    def publish_alarms(self, ids):
        self.published = ids


def test_one_message_that_breaks_the_rules_is_a_dead_letter_and_the_rest_of_its_batch_is_applied(two_stores, monkeypatch):
    _, store = two_stores
    intake = SensorIntake(_Services(store), _Quiet(), _Quiet())
    import server.domain.alarms.rules as rules

    real = rules._raise

    def broken_for_leak_2(tx, kind, where, *rest):
        if where.device_id == "leak-2":
            raise RuntimeError("a bug in the rules")
        return real(tx, kind, where, *rest)

    monkeypatch.setattr(rules, "_raise", broken_for_leak_2)
    import server.domain.alarms.batch as batch
    monkeypatch.setattr(batch, "_raise", broken_for_leak_2)
    msgs = [ReceivedMessage(topic=f"fieldops/north/{d}/event", payload=json.dumps({"kind": "water_leak", "active": True, "seq": 1}).encode(),
                            qos=1, retain=False, mid=n + 1) for n, d in enumerate(["leak-1", "leak-2", "leak-3"])]
    intake.handle_batch(msgs)
    raised = store.read(lambda tx: [r["device_id"] for r in tx.query("SELECT device_id FROM alarms ORDER BY device_id")])
    dead = store.read(lambda tx: tx.query("SELECT topic, reason_code FROM dead_letters"))
    assert raised == ["leak-1", "leak-3"]
    assert dead == [{"topic": "fieldops/north/leak-2/event", "reason_code": "apply_failed"}]


@pytest.mark.parametrize("rows", [0, 1, 5, 300, 341], ids=lambda n: f"{n}-rows")
def test_chunks_cover_every_row_once_in_a_few_fixed_sizes(rows):
    parts = list(chunks(list(range(rows))))
    assert [r for part in parts for r in part] == list(range(rows))
    assert {len(p) for p in parts} <= {256, 64, 16, 4, 1}


def test_an_alarms_push_is_claimed_in_the_alarms_own_commit_and_no_other_instance_can_take_it(two_stores):
    """The push needs no claim commit of its own after the alarm's (one fsync less to the phone); the lease it
    holds from that commit keeps another instance off it, and runs out if this one dies before sending."""
    from server.push.outbox import claim_owed
    from server.push.owed_sender import OwedPushSender

    class Claiming(_Quiet):
        holder, lease_s = "instance-a/1", 60.0
        claim_in = OwedPushSender.claim_in

        def send(self, ids, claimed=()):
            self.sent, self.claimed = ids, list(claimed)

    _, store = two_stores
    pusher = Claiming()
    SensorIntake(_Services(store), pusher, _Quiet()).handle_batch([ReceivedMessage(
        topic="fieldops/north/smoke-9/event", payload=json.dumps({"kind": "smoke", "active": True, "seq": 1}).encode(),
        qos=1, retain=False, mid=1)])
    rows = store.read(lambda tx: tx.query("SELECT id, claimed_by, lease_until FROM push_outbox ORDER BY id"))
    assert rows and pusher.sent == pusher.claimed == [r["id"] for r in rows]
    assert {r["claimed_by"] for r in rows} == {"instance-a/1"} and all(r["lease_until"] for r in rows)
    now = datetime.now(timezone.utc)
    assert store.write(lambda tx: claim_owed(tx, pusher.sent, "instance-b/1", now, 60.0)) == []
    assert store.write(lambda tx: claim_owed(tx, pusher.sent, "instance-b/1", now + timedelta(seconds=61), 60.0)) == pusher.sent
