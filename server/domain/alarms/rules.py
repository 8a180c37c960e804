"""Alarm rules: sensor events become alarms, emergency tickets and owed pushes, in the caller's transaction.

One alarm per site, device and kind while active (device ids repeat across sites); repeats count; alarms
of one hazard at one site (and one building, where both zones name it) within the incident window share one
ticket (an alarm flood is one incident, a fire never joins a water leak); a chattering sensor stays one alarm; restore clears the alarm, never the ticket.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import msgspec

from server.clock import to_rfc3339
from server.domain.actor import SYSTEM
from server.domain.alarms.events import SensorEvent
from server.domain.changes import touch
from server.domain.status_rules import JOB_OVER, sql_list
from server.domain.registry import apply_mutation
from server.domain.system_texts import SystemText
from server.domain.workorder_args import AddNote
from server.domain.workorders import keep_note
from server.ids import new_id
from server.push.outbox import owe_push
from server.push.payload import AlarmPush
from server.store import Tx

EMERGENCY_KINDS = frozenset({"fire", "smoke", "water_leak", "gas", "carbon_monoxide"})
# What one incident ticket covers: fire and smoke are one hazard (the same fire seen by two sensors);
# a water leak, a gas leak and carbon monoxide each need their own emergency plan and their own ticket.
HAZARDS: dict[str, frozenset[str]] = {
    "fire": frozenset({"fire", "smoke"}), "smoke": frozenset({"fire", "smoke"}),
    "water_leak": frozenset({"water_leak"}), "gas": frozenset({"gas"}), "carbon_monoxide": frozenset({"carbon_monoxide"}),
}
MAINTENANCE_KINDS = frozenset({"tamper", "low_battery", "panel_trouble", "offline", "silent"})
# ISA-18.2 counts more than 10 alarms in 10 minutes as a flood for one operator: alarms of a site
# within this window join one incident ticket instead of opening fifty.
INCIDENT_WINDOW_S = 600
# A sensor flipping 3 or more times a minute is chattering: it stays one alarm, marked, and is not re-pushed.
CHATTER_WINDOW_S = 60
CHATTER_TRANSITIONS = 3
# A broker redelivers only within our persistent session (a day, iot/bridge.py); message identities
# older than twice that can never come back, so they are forgotten instead of kept for ever.
MESSAGE_MEMORY_S = 2 * 24 * 3600

# A ticket's title and description, and the note when an alarm joins an incident, are system texts
# (server/domain/system_texts.py): a code and arguments the reader's app renders in their language.


class AlarmOutcome(msgspec.Struct):
    outbox_ids: list[int] = msgspec.field(default_factory=list)
    alarm_ids: list[str] = msgspec.field(default_factory=list)
    duplicate: bool = False
    touched: dict[str, None] = msgspec.field(default_factory=dict)
    """Alarms already in the change log in this transaction: a storm's repeats of one alarm in a batch are one change."""


class Placement(msgspec.Struct, frozen=True):
    site_id: str | None
    zone: str | None
    device_id: str


def place(tx: Tx, event: SensorEvent) -> Placement:
    """Where a device is: the registry first, then the site its topic names (if that site exists).

    A topic that names a site (native) is believed over the registry: a registration at another site
    never pulls this site's sensor away from its own guards.
    """
    if event.source == "zigbee2mqtt":
        row = tx.one("SELECT id, site_id, zone FROM devices WHERE source = 'zigbee2mqtt' AND name = ?", (event.device,))
    elif event.site_id is not None:
        row = tx.one("SELECT id, site_id, zone FROM devices WHERE id = ? AND site_id = ?", (event.device, event.site_id))
    else:
        row = tx.one("SELECT id, site_id, zone FROM devices WHERE id = ?", (event.device,))
    if row is not None:
        return Placement(row["site_id"], event.zone or row["zone"], row["id"])
    site = event.site_id if event.site_id and tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (event.site_id,)) else None
    return Placement(site, event.zone, event.device)


def apply_events(tx: Tx, events: list[SensorEvent], received: datetime, escalate_after_s: float,
                 touched: dict[str, None] | None = None) -> AlarmOutcome:
    """`touched`: alarms this transaction already logged as changed (shared across a batch's messages)."""
    outcome = AlarmOutcome(touched=touched if touched is not None else {})
    for event in events:
        if _seen_before(tx, event, received):
            outcome.duplicate = True
            continue
        where = place(tx, event)
        _note_liveness(tx, event, where, received)
        _clear(tx, "silent", where, received, outcome)  # any message proves the device is alive
        if event.kind in ("heartbeat", "unrecognized"):  # unrecognized: kept as a dead letter by the intake
            continue
        kind = event.kind
        if kind == "availability":
            kind, active = "offline", not event.active
        else:
            active = event.active
        if active:
            _raise(tx, kind, where, event, received, escalate_after_s, outcome)
        else:
            _clear(tx, kind, where, received, outcome)
    return outcome


def _seen_before(tx: Tx, event: SensorEvent, received: datetime) -> bool:
    # Only identities a device numbered or timestamped are exact; content hashes of identical payloads
    # ("true" again) are real repeats, which the state rules below already make harmless.
    if ":seq:" not in event.message_id and ":ts:" not in event.message_id:
        return False
    # One statement, not a lookup then an insert: in a storm every message with a seq pays this.
    fresh = tx.one("INSERT INTO sensor_messages (message_id, received_at) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
                   (event.message_id, to_rfc3339(received)))
    return fresh is None


def _note_liveness(tx: Tx, event: SensorEvent, where: Placement, received: datetime) -> None:
    online = 0 if (event.kind == "availability" and not event.active) else 1
    tx.execute(
        "INSERT INTO sensor_devices (source, topic_site, device, site_id, last_seen, online, battery) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source, topic_site, device) DO UPDATE SET site_id = excluded.site_id, last_seen = excluded.last_seen,"
        " online = excluded.online, battery = coalesce(excluded.battery, sensor_devices.battery), silent_reported_at = NULL",
        (event.source, event.site_id or "", event.device, where.site_id, to_rfc3339(received), online, event.battery))


def _recent(transitions: list[str], received: datetime) -> list[str]:
    edge = to_rfc3339(received - timedelta(seconds=CHATTER_WINDOW_S))
    return [t for t in transitions if t >= edge]


def _raise(tx: Tx, kind: str, where: Placement, event: SensorEvent, received: datetime, escalate_after_s: float, outcome: AlarmOutcome) -> None:
    at = to_rfc3339(received)
    active = tx.one("SELECT * FROM alarms WHERE site_id IS NOT DISTINCT FROM ? AND device_id = ? AND kind = ? AND state = 'active'",
                    (where.site_id, where.device_id, kind))
    if active is not None:
        tx.execute("UPDATE alarms SET count = count + 1, last_seen = ? WHERE id = ?", (at, active["id"]))
        _changed(tx, active["id"], outcome)
        return
    last = tx.one("SELECT * FROM alarms WHERE site_id IS NOT DISTINCT FROM ? AND device_id = ? AND kind = ? ORDER BY first_seen DESC LIMIT 1",
                  (where.site_id, where.device_id, kind))
    if last is not None:
        flips = _recent(json.loads(last["transitions"]), received) + [at]
        if len(flips) >= CHATTER_TRANSITIONS:
            tx.execute("UPDATE alarms SET state = 'active', count = count + 1, last_seen = ?, cleared_at = NULL, chattering = 1,"
                       " transitions = ? WHERE id = ?", (at, json.dumps(flips), last["id"]))
            _changed(tx, last["id"], outcome)
            return
    alarm_id = new_id()
    emergency = kind in EMERGENCY_KINDS
    order_id = _ticket(tx, kind, where, received, alarm_id) if where.site_id else None
    tx.insert("alarms", {
        "id": alarm_id, "site_id": where.site_id, "device_id": where.device_id, "source": event.source, "kind": kind,
        "zone": where.zone, "state": "active", "first_seen": at, "last_seen": at, "count": 1, "transitions": json.dumps([at]),
        "work_order_id": order_id,
        "escalate_at": to_rfc3339(received + timedelta(seconds=escalate_after_s)) if emergency else None,
    })
    _changed(tx, alarm_id, outcome)
    if emergency:
        # Placed: the guards on duty there. Unplaced (unknown device, unknown site): supervisors place it.
        push = AlarmPush(alarm_id=alarm_id, work_order_id=order_id, site_id=where.site_id or "", kind=kind, zone=where.zone, ts=at)
        audience = "duty" if where.site_id else "supervisors"
        outcome.outbox_ids.append(owe_push(tx, alarm_id, audience, where.site_id, push, order_id or alarm_id, received))


# The building a zone names at its start: "3号楼 地下车库", "2栋 水井", "A座 5F", "Building 3 B2", "Tower B".
BUILDING = re.compile(r"^\s*(\S+?(?:号楼|栋|幢|座)|(?:building|tower|block)\s*[0-9A-Za-z]+)", re.IGNORECASE)


def building_of(zone: str | None) -> str | None:
    found = BUILDING.match(zone or "")
    return found.group(1).lower().replace(" ", "") if found else None


def _place_words(tx: Tx, kind: str, where: Placement, received: datetime) -> dict[str, str | None]:
    """What a person needs to find the alarm: the kind, the site by name, the zone and the time. A registered
    device always has a zone; only an unregistered one that sent none is named by its own label."""
    site = tx.one("SELECT name FROM sites WHERE id = ?", (where.site_id,)) if where.site_id else None
    return {"kind": kind, "site_id": where.site_id, "site_name": site["name"] if site else None,
            "zone": where.zone, "device": None if where.zone else where.device_id, "at": to_rfc3339(received)}


def _ticket(tx: Tx, kind: str, where: Placement, received: datetime, alarm_id: str) -> str:
    """Join the site's open incident of the same hazard in the window, or open a ticket (emergency or maintenance)."""
    emergency = kind in EMERGENCY_KINDS
    words = _place_words(tx, kind, where, received)
    title = SystemText("alarm_ticket", {k: words[k] for k in ("kind", "zone", "device")})
    if emergency:
        since = to_rfc3339(received - timedelta(seconds=INCIDENT_WINDOW_S))
        hazard = sorted(HAZARDS[kind])
        # Where both zones name a building (3号楼, 2栋, Building 3), only the same building's incident is joined;
        # a zone that names none joins the latest, so one row is enough (a storm's 500th alarm read all 499 before it).
        mine = building_of(where.zone)
        candidates = tx.query(
            "SELECT a.work_order_id, a.zone FROM alarms a JOIN work_orders w ON w.id = a.work_order_id"
            f" WHERE a.site_id = ? AND a.kind IN ({','.join('?' for _ in hazard)}) AND a.first_seen >= ?"
            f" AND w.status NOT IN {sql_list(JOB_OVER)} ORDER BY a.first_seen DESC" + (" LIMIT 1" if mine is None else ""),
            (where.site_id, *hazard, since))
        open_incident = next((c for c in candidates if mine is None or building_of(c["zone"]) in (None, mine)), None)
        if open_incident is not None:
            wo = tx.one("SELECT * FROM work_orders WHERE id = ?", (open_incident["work_order_id"],))
            joined = SystemText("alarm_joined", {**words, "alarm_id": alarm_id})
            keep_note(tx, SYSTEM, wo, AddNote(work_order_id=wo["id"], id=new_id(), text=joined.english()), received, joined)
            return wo["id"]
    order_id = new_id()
    description = SystemText("alarm_raised", {**words, "alarm_id": alarm_id})
    apply_mutation(tx, SYSTEM, "create_work_order", {
        "id": order_id, "site_id": where.site_id, "unit": where.zone or words["device"],
        "category": "emergency" if emergency else "repair", "priority": "emergency" if emergency else "normal",
        "title": title.english()[:200], "description": description.english(),
        "contacted_at": to_rfc3339(received),  # the sensor's first message is the contact: the `record` step
    }, received)
    tx.execute("UPDATE work_orders SET title_code = ?, title_args = ?, description_code = ?, description_args = ? WHERE id = ?",
               (title.code, title.args_json(), description.code, description.args_json(), order_id))
    return order_id


def _clear(tx: Tx, kind: str, where: Placement, received: datetime, outcome: AlarmOutcome) -> None:
    active = tx.one("SELECT id, transitions FROM alarms WHERE site_id IS NOT DISTINCT FROM ? AND device_id = ? AND kind = ? AND state = 'active'",
                    (where.site_id, where.device_id, kind))
    if active is None:
        return
    at = to_rfc3339(received)
    flips = _recent(json.loads(active["transitions"]), received) + [at]
    chattering = 1 if len(flips) >= CHATTER_TRANSITIONS else 0
    tx.execute("UPDATE alarms SET state = 'cleared', cleared_at = ?, last_seen = ?, transitions = ?, chattering = CASE WHEN chattering > ? THEN chattering ELSE ? END WHERE id = ?",
               (at, at, json.dumps(flips), chattering, chattering, active["id"]))
    _changed(tx, active["id"], outcome)


def _changed(tx: Tx, alarm_id: str, outcome: AlarmOutcome) -> None:
    if alarm_id not in outcome.touched:  # one change-log entry per alarm per transaction is what a pull needs
        touch(tx, "alarm", alarm_id)
        outcome.touched[alarm_id] = None
    if alarm_id not in outcome.alarm_ids:
        outcome.alarm_ids.append(alarm_id)


def silent_devices(tx: Tx, now: datetime, silent_after_s: float, escalate_after_s: float) -> AlarmOutcome:
    """Registered or known devices with no message for `silent_after_s` get one maintenance ticket each."""
    outcome = AlarmOutcome()
    edge = to_rfc3339(now - timedelta(seconds=silent_after_s))
    for row in tx.query("SELECT * FROM sensor_devices WHERE last_seen < ? AND silent_reported_at IS NULL", (edge,)):
        # Marked first and only if still unmarked: of two instances checking at once, one raises the ticket.
        if not tx.execute("UPDATE sensor_devices SET silent_reported_at = ? WHERE source = ? AND topic_site = ? AND device = ? AND silent_reported_at IS NULL",
                          (to_rfc3339(now), row["source"], row["topic_site"], row["device"])):
            continue
        event = SensorEvent(source=row["source"], device=row["device"], kind="heartbeat", active=True,
                            message_id=f"silent:{row['device']}:{row['last_seen']}", site_id=row["topic_site"] or None)
        _raise(tx, "silent", place(tx, event), event, now, escalate_after_s, outcome)
    return outcome


def forget_old_messages(tx: Tx, now: datetime) -> int:
    """Drop dedupe identities no redelivery can match any more; returns how many went."""
    return tx.execute("DELETE FROM sensor_messages WHERE received_at < ?", (to_rfc3339(now - timedelta(seconds=MESSAGE_MEMORY_S)),))
