"""Push payloads are a tagged union on `type`; an incident's pushes share one short Topic.

The alarm shape is fixed by CONTRACT.md, so it is checked field for field.
"""

from __future__ import annotations

import json

from server.push import AlarmPush, WorkOrderEscalationPush, decode_push_message, encode_push_message, incident_topic


def test_the_alarm_payload_has_exactly_the_contract_fields():
    message = AlarmPush(alarm_id="a1", work_order_id="w1", site_id="s1", kind="fire", zone="lobby", ts="2026-11-23T03:00:00Z")
    assert json.loads(encode_push_message(message)) == {
        "type": "alarm", "alarm_id": "a1", "work_order_id": "w1", "site_id": "s1", "kind": "fire", "zone": "lobby",
        "ts": "2026-11-23T03:00:00Z",
    }


def test_every_message_kind_round_trips_through_its_tag():
    messages = [
        AlarmPush(alarm_id="a1", work_order_id=None, site_id="s1", kind="smoke", zone=None, ts="2026-11-23T03:00:00Z"),
        WorkOrderEscalationPush(kind="complaint_received", why="an important complaint", work_order_id="w2", site_id="s1", title="Noise",
                                category="complaint", priority="normal", complaint_level="important", due_at="2026-11-23T03:00:00Z"),
    ]
    for message in messages:
        assert decode_push_message(encode_push_message(message)) == message
    assert [json.loads(encode_push_message(m))["type"] for m in messages] == ["alarm", "work_order_escalation"]


def test_an_incident_topic_is_stable_short_and_base64url_even_for_long_odd_ids():
    long_id = "工单/" + "x" * 200
    topic = incident_topic(long_id)
    assert topic == incident_topic(long_id) and len(topic) == 32
    assert set(topic) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert incident_topic("01J9WO1") != incident_topic("01J9WO2")
