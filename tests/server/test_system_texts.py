"""What the system writes for people is data, not English: a sensor ticket's title and description, the notes an
alarm leaves on its ticket and a dead letter's reason keep a code and arguments (site by name, the zone, never an
id or a UUID) beside an English fallback; the app's catalogs word every code in both languages, as the server does."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from iot.bridge import ReceivedMessage
from iot.intake import SensorIntake
from server.domain.actor import Actor
from server.domain.alarms.events import SensorEvent
from server.domain.alarms.rules import apply_events
from server.domain.registry import apply_mutation
from server.domain.system_texts import KIND_TITLES, TEMPLATES, render, render_stored
from server.domain.views import render_order
from tests.backend import open_store
from tests.world import build_world

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
PWA_I18N = Path(__file__).resolve().parents[2] / "pwa" / "i18n"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "fieldops.db")
    world = build_world(path)
    s = open_store(path)
    s.world = world  # type: ignore[attr-defined]
    yield s
    s.close()


def leak(device: str, zone: str, n: int) -> SensorEvent:
    return SensorEvent(source="native", device=device, kind="water_leak", active=True, message_id=f"native:{device}:seq:{n}",
                       site_id="north", zone=zone, seq=n)


def guard(store) -> Actor:
    return Actor(store.world.users["guard"], "Guard", "guard", frozenset({"north"}))


def test_the_apps_catalogs_word_every_system_text_in_both_languages_as_the_server_does():
    for lang in ("zh-CN", "en"):
        catalog = json.loads((PWA_I18N / f"systext.{lang}.json").read_text(encoding="utf-8"))
        expected = {**{f"systext.{k}": v for k, v in TEMPLATES[lang].items()}, **{f"systext.kind.{k}": v for k, v in KIND_TITLES[lang].items()}}
        assert catalog == expected, lang
    assert TEMPLATES["zh-CN"].keys() == TEMPLATES["en"].keys() and KIND_TITLES["zh-CN"].keys() == KIND_TITLES["en"].keys()
    assert '"systext"' in (PWA_I18N.parent / "js" / "i18n.js").read_text(encoding="utf-8")  # the area is loaded


def test_a_sensor_ticket_says_what_and_where_as_data_with_no_ids_in_its_words(store):
    store.write(lambda tx: apply_events(tx, [leak("leak-b2", "B2 泵房", 1)], T0, 60))
    wo = store.read(lambda tx: tx.one("SELECT * FROM work_orders WHERE category = 'emergency'"))
    order = store.read(lambda tx: render_order(tx, guard(store), wo))
    assert order["title_code"] == "alarm_ticket" and order["title_args"]["kind"] == "water_leak" and order["title_args"]["zone"] == "B2 泵房"
    assert order["description_code"] == "alarm_raised"
    args = order["description_args"]
    assert args["site_name"] == "North Court" and args["zone"] == "B2 泵房" and args["at"] == "2026-11-23T03:00:00.000000Z"
    # the fallback the CONTRACT field keeps is English, names the site and the zone, and holds no id
    assert order["title"] == "Water leak — B2 泵房"
    assert "North Court" in order["description"] and "B2 泵房" in order["description"]
    assert not UUID.search(order["description"]) and "leak-b2" not in order["description"]
    assert render("alarm_raised", args, "zh-CN", "Asia/Shanghai") == "North Court B2 泵房 的传感器报警（漏水报警），时间 2026-11-23 11:00。"


def test_joining_acknowledging_and_resolving_leave_notes_worded_per_reader(store):
    store.write(lambda tx: apply_events(tx, [leak("leak-b2", "B2 泵房", 1)], T0, 60))
    store.write(lambda tx: apply_events(tx, [leak("leak-b3", "B3 车库", 2)], T0, 60))  # the same hazard, in the window: joins
    first, second = store.read(lambda tx: tx.query("SELECT id FROM alarms ORDER BY first_seen, id"))
    me = guard(store)
    store.write(lambda tx: apply_mutation(tx, me, "ack_alarm", {"alarm_id": first["id"]}, T0))
    store.write(lambda tx: apply_mutation(tx, me, "resolve_alarm", {"alarm_id": second["id"], "note": "积水已清"}, T0))
    wo = store.read(lambda tx: tx.one("SELECT * FROM work_orders WHERE category = 'emergency'"))
    notes = store.read(lambda tx: render_order(tx, me, wo))["notes"]
    said = {n["note_code"]: n for n in notes}
    assert set(said) == {"alarm_joined", "alarm_acknowledged", "alarm_resolved"}
    assert said["alarm_joined"]["note_args"]["zone"] == "B3 车库"
    assert said["alarm_acknowledged"]["note_args"]["actor_name"] == "Guard"
    assert said["alarm_resolved"]["note_args"]["note"] == "积水已清"
    for n in notes:
        assert not UUID.search(n["text"]), n["text"]  # the English fallback names no alarm by its UUID
        assert render_stored(n["note_code"], n["note_args"], n["text"], "en") == n["text"]
    assert render_stored("alarm_resolved", said["alarm_resolved"]["note_args"], "", "zh-CN") == "Guard 已处理报警（漏水报警，B3 车库）：积水已清"
    assert render_stored("no_such_code", None, "as written", "zh-CN") == "as written"  # a newer code: the fallback


class _NoPush:
    def claim_in(self, tx, ids):  # claimed in the alarm's commit; these messages owe none
        assert ids == []
        return []

    def send(self, ids, claimed=()):  # the intake hands owed pushes on; these messages owe none
        assert ids == [] and not claimed


class _Services:
    def __init__(self, store):
        self.store = store

        class S:
            escalate_after_s = 60

        self.settings = S()


@pytest.mark.parametrize("topic, payload, code", [
    ("fieldops/north/x/event", b"\xff{not json", "payload_not_utf8"),
    ("fieldops/north/x/event", b"{nope", "payload_not_json"),
    ("somewhere/else", b"{}", "topic_unknown"),
    ("fieldops/north/x/status", b"sideways", "status_invalid"),
    ("zigbee2mqtt/hall", b'{"vibration": true}', "keys_unknown"),
])
def test_a_dead_letter_keeps_its_reason_as_a_code_and_arguments(store, topic, payload, code):
    intake = SensorIntake(_Services(store), _NoPush(), None)
    intake.handle_batch([ReceivedMessage(topic=topic, payload=payload, qos=1, retain=False, mid=1)])
    row = store.read(lambda tx: tx.one("SELECT reason, reason_code, reason_args FROM dead_letters"))
    assert row["reason_code"] == code and row["reason"]
    words = {lang: render_stored(row["reason_code"], row["reason_args"], row["reason"], lang) for lang in ("zh-CN", "en")}
    assert words["en"] == row["reason"] and words["zh-CN"] != words["en"]
