"""Background work is claimed, not assumed: with two instances on one database every alarm push is sent once,
every unacknowledged alarm escalates once, and when one instance is killed mid-work the other finishes its work."""

from __future__ import annotations

import json
from collections import Counter

from tests.sensor_fixtures import wait_for

ALARMS = 12


def subscribe(client, push_service) -> dict:
    sub = push_service.subscribe()
    r = client.post("/api/v1/push/subscriptions", json=sub)
    assert r.status_code == 201, r.text
    return sub


def alarm_ids(db) -> set[str]:
    return {r["id"] for r in db.execute("SELECT id FROM alarms WHERE kind = 'water_leak'")}


def test_an_instance_killed_with_pushes_waiting_for_a_retry_loses_none_and_none_is_sent_twice(pair, publisher, push_service):
    two = pair(FIELDOPS_ESCALATE_AFTER_S="8")
    a, b = two.start("a"), two.start("b")
    guard, boss = a.login("guard"), b.login("boss")
    guard.ok("start_shift", site_id="north")
    guard_sub, boss_sub = subscribe(guard, push_service), subscribe(boss, push_service)
    # Every first attempt is refused with a Retry-After, so each instance holds the pushes it claimed while it waits.
    push_service.answer_with(guard_sub, *[503] * ALARMS, retry_after="4")
    for n in range(ALARMS):
        publisher.publish(f"fieldops/north/leak-{n}/event", json.dumps({"kind": "water_leak", "active": True, "zone": f"B{n} pump room"}))
    db = two.db()
    wait_for(lambda: len(alarm_ids(db)) == ALARMS, timeout=30, what="every alarm committed")
    # Both instances took part: the share group split the sensor stream between them.
    assert {r["claimed_by"].split("/")[0] for r in db.execute("SELECT claimed_by FROM push_outbox WHERE claimed_by IS NOT NULL")} == {"fieldops-a", "fieldops-b"}
    held_by_a = wait_for(lambda: [r["id"] for r in db.execute(
        "SELECT id FROM push_outbox WHERE done_at IS NULL AND claimed_by LIKE 'fieldops-a/%' AND audience = 'duty'")],
        timeout=20, what="instance a holding pushes it has not delivered")
    a.kill()
    push_service.answer_normally(guard_sub)

    # Instance b takes over what a held once a's claims run out: each alarm reaches the guard exactly once.
    wait_for(lambda: {p.payload["alarm_id"] for p in push_service.received_by(guard_sub)} == alarm_ids(db), timeout=40,
             what="every alarm pushed to the guard")
    taken_over = {r["id"]: r["claimed_by"] for r in db.execute(
        f"SELECT id, claimed_by FROM push_outbox WHERE id IN ({','.join('?' * len(held_by_a))})", held_by_a)}
    assert all(holder.startswith("fieldops-b/") for holder in taken_over.values()), taken_over
    # Nobody acknowledges: every alarm escalates to the supervisor once, though a died before some deadlines came.
    wait_for(lambda: {p.payload["alarm_id"] for p in push_service.received_by(boss_sub)} >= alarm_ids(db), timeout=40,
             what="every alarm escalated to the supervisor")
    wait_for(lambda: db.execute("SELECT count(*) FROM push_outbox WHERE done_at IS NULL").fetchone()[0] == 0, timeout=20, what="outbox drained")
    assert Counter(p.payload["alarm_id"] for p in push_service.received_by(guard_sub)) == Counter({i: 1 for i in alarm_ids(db)})
    escalations = Counter(p.payload["alarm_id"] for p in push_service.received_by(boss_sub) if p.payload.get("escalated"))
    assert escalations == Counter({i: 1 for i in alarm_ids(db)})
    assert db.execute("SELECT count(*) FROM alarms WHERE escalated_at IS NULL").fetchone()[0] == 0


def test_two_instances_escalate_each_alarm_once(pair, publisher, push_service):
    two = pair(FIELDOPS_ESCALATE_AFTER_S="1")
    a, b = two.start("a"), two.start("b")
    boss = a.login("boss")
    boss_sub = subscribe(boss, push_service)
    for n in range(ALARMS):
        publisher.publish(f"fieldops/north/smoke-{n}/event", json.dumps({"kind": "smoke", "active": True, "zone": f"floor {n}"}))
    db = two.db()
    wait_for(lambda: db.execute("SELECT count(*) FROM alarms WHERE escalated_at IS NOT NULL").fetchone()[0] == ALARMS, timeout=30,
             what="every alarm escalated")
    wait_for(lambda: db.execute("SELECT count(*) FROM push_outbox WHERE done_at IS NULL").fetchone()[0] == 0, timeout=20, what="outbox drained")
    # Nobody on duty: the supervisor gets each alarm directly, then its escalation, once each, from whichever instance.
    got = Counter((p.payload["alarm_id"], bool(p.payload.get("escalated"))) for p in push_service.received_by(boss_sub))
    ids = {r["id"] for r in db.execute("SELECT id FROM alarms")}
    assert got == Counter({(i, e): 1 for i in ids for e in (False, True)})
    holders = {r["claimed_by"].split("/")[0] for r in db.execute("SELECT claimed_by FROM push_outbox")}
    assert holders <= {"fieldops-a", "fieldops-b"} and b.health()["status"] == "ok"
