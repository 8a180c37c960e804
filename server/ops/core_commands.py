"""Sub-commands `fieldops serve`, `site add`, `user add`, `device add` (CONTRACT.md) and `simulate`.

One entry of server.cli.COMMANDS, like the operator's commands in server/ops/commands.py.
"""

from __future__ import annotations

import argparse

from server.domain.actor import ROLES
from server.domain.directory import DEVICE_KINDS, SOURCES
from server.settings import from_env


def _store():  # type: ignore[no-untyped-def]
    from server.store import open_store

    settings = from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_store(settings.store_location)


# How long a busy Python thread keeps the GIL before another may run (CPython's default is 5 ms). The server's
# threads hand work to each other (MQTT read, commit, push, the event loop's writes): with a storm's threads busy,
# each hand-off on the alarm path waited up to a whole interval. Shorter intervals cost a little throughput.
GIL_SWITCH_INTERVAL_S = 0.0005


def cmd_serve(args: argparse.Namespace) -> int:
    import sys

    import uvicorn

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)

    from server.blobs import blob_store
    from server.demo import create_demo
    from server.http.app import create_app
    from server.services import Services

    settings = from_env()
    services = Services(settings)
    if settings.demo:
        logins = create_demo(services.store, blob_store(settings))
        if logins:
            print("Demo logins (username / password / role):")
            for username, password, role in logins:
                print(f"  {username:<11} {password}  {role}")
    app = create_app(settings, services)
    print(f"FieldOps at http://{settings.host}:{settings.port}/  (API schema at /schema)", flush=True)
    # X-Forwarded-For is believed only from FIELDOPS_TRUSTED_PROXIES (uvicorn would trust 127.0.0.1 by default).
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False, timeout_graceful_shutdown=5,
                timeout_keep_alive=settings.http_keepalive_s,
                proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=list(settings.trusted_proxies) or None)
    return 0


def cmd_site_add(args: argparse.Namespace) -> int:
    from server.domain.directory import add_site

    _store().write(lambda tx: add_site(tx, args.id, args.name))
    print(f"site {args.id} added")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from server.auth import add_user

    user_id = _store().write(lambda tx: add_user(tx, args.username, args.password, args.role, args.site or [], args.name))
    print(f"user {args.username} ({args.role}) added with id {user_id}")
    return 0


def cmd_device_add(args: argparse.Namespace) -> int:
    from server.domain.directory import DeviceCreate, add_device

    device = DeviceCreate(id=args.id, site_id=args.site, zone=args.zone, kind=args.kind, source=args.source, name=args.name)
    _store().write(lambda tx: add_device(tx, device))
    print(f"device {args.id} ({args.source}) registered on {args.site}, zone {args.zone}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from iot.simulate import simulate

    settings = from_env()
    url = settings.mqtt_url
    if not url or url == "off":
        saved = settings.data_dir / "mqtt-url"
        url = saved.read_text().strip() if saved.exists() else "mqtt://127.0.0.1:1883"
    report = simulate(url, args.scenario, devices=args.devices, messages=args.messages, rate=args.rate, site=args.site, seed=args.seed)
    print(f"published {report.published} {args.scenario} messages to {url.split('@')[-1]} in {report.seconds:.2f} s ({report.rate:.0f}/s)")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the whole service: HTTP, PWA, MQTT bridge, escalation timers")
    serve.set_defaults(run=cmd_serve)

    site = sub.add_parser("site", help="manage sites").add_subparsers(dest="action", required=True)
    site_add = site.add_parser("add", help="add a site")
    site_add.add_argument("id", help="site id: A-Z a-z 0-9 _ - (used in MQTT topics)")
    site_add.add_argument("--name", required=True, help="display name")
    site_add.set_defaults(run=cmd_site_add)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    user_add = user.add_parser("add", help="add a user")
    user_add.add_argument("username")
    user_add.add_argument("--password", required=True, help="at least 8 characters; stored as an argon2id hash")
    user_add.add_argument("--role", required=True, choices=ROLES)
    user_add.add_argument("--site", action="append", help="a site the user works on (repeatable)")
    user_add.add_argument("--name", help="display name (defaults to the username)")
    user_add.set_defaults(run=cmd_user_add)

    device = sub.add_parser("device", help="manage the sensor device registry").add_subparsers(dest="action", required=True)
    device_add = device.add_parser("add", help="register a sensor: maps it to a site and zone")
    device_add.add_argument("id", help="device id (native, Shelly) or an id of your choice (Zigbee2MQTT)")
    device_add.add_argument("--site", required=True)
    device_add.add_argument("--zone", required=True, help="where it is, e.g. 'B2 pump room'")
    device_add.add_argument("--kind", required=True, help=", ".join(DEVICE_KINDS))
    device_add.add_argument("--source", required=True, choices=SOURCES)
    device_add.add_argument("--name", help="Zigbee2MQTT friendly name (may contain /)")
    device_add.set_defaults(run=cmd_device_add)

    from iot.simulate import SCENARIOS

    sim = sub.add_parser("simulate", help="publish simulated sensor messages (native, zigbee2mqtt, shelly, floods, garbage)")
    sim.add_argument("scenario", choices=SCENARIOS)
    sim.add_argument("--devices", type=int, default=10, help="how many devices")
    sim.add_argument("--messages", type=int, default=100, help="how many messages in all")
    sim.add_argument("--rate", type=float, default=0.0, help="messages per second; 0 = as fast as the broker takes them")
    sim.add_argument("--site", default="garden", help="site id in native topics (demo sites: garden, tower)")
    sim.add_argument("--seed", type=int, default=0)
    sim.set_defaults(run=cmd_simulate)
