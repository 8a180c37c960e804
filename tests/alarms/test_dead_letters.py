"""Dead letters are scoped by site: a supervisor reads the unreadable messages of their sites' devices (the site
named by the topic or placed by the device registry) and the unplaced ones, never another site's."""

from __future__ import annotations

from server.auth import add_user
from server.domain.directory import DeviceCreate, add_device
from tests.backend import open_store
from tests.sensor_fixtures import wait_for
from tests.world import PASSWORD, build_world

GARBAGE = b"\xff{not json"
SOUTH_TOPICS = {"fieldops/south/s-leak/event", "zigbee2mqtt/south/b1/leak", "zigbee2mqtt/south/b1/leak/availability",
                "shellies/shellyflood-S1/sensor/flood"}
NORTH_TOPICS = {"fieldops/north/n-leak/event"}
UNPLACED_TOPICS = {"zigbee2mqtt/nobody-knows-me", "fieldops/no-such-site/x/event"}


def topics(client) -> set[str]:
    r = client.get("/api/v1/dead-letters", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return {letter["topic"] for letter in r.json()}


def test_a_supervisor_reads_the_dead_letters_of_their_sites_and_the_unplaced_ones_only(alarm_server, publisher, tmp_path):
    build_world(str(tmp_path / "fieldops.db"))
    store = open_store(str(tmp_path / "fieldops.db"))
    store.write(lambda tx: [
        add_user(tx, "boss_south", PASSWORD, "supervisor", ["south"], "South Boss"),
        add_device(tx, DeviceCreate(id="0x00south", site_id="south", zone="B1", kind="water_leak", source="zigbee2mqtt", name="south/b1/leak")),
        add_device(tx, DeviceCreate(id="shellyflood-S1", site_id="south", zone="pantry", kind="water_leak", source="shelly")),
    ])
    store.close()
    server = alarm_server()
    for topic in sorted(SOUTH_TOPICS | NORTH_TOPICS | UNPLACED_TOPICS):
        publisher.publish(topic, GARBAGE)

    admin, north, south = server.login("root"), server.login("boss"), server.login("boss_south")
    everything = SOUTH_TOPICS | NORTH_TOPICS | UNPLACED_TOPICS
    wait_for(lambda: topics(admin) == everything, what="every garbage message kept as a dead letter")
    assert topics(north) == NORTH_TOPICS | UNPLACED_TOPICS
    assert topics(south) == SOUTH_TOPICS | UNPLACED_TOPICS
    sites = {letter["topic"]: letter["site_id"] for letter in admin.get("/api/v1/dead-letters").json()}
    assert sites == {**{t: "south" for t in SOUTH_TOPICS}, **{t: "north" for t in NORTH_TOPICS}, **{t: None for t in UNPLACED_TOPICS}}
    assert server.login("guard").get("/api/v1/dead-letters").status_code == 403
