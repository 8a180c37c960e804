"""The Node-RED alarm router a property manager might wire up (MQTT in → function → Web Push out), written as
the files Node-RED starts from: settings.js, flows.json and flows_cred.json. Pure text, so it is testable offline.
"""

from __future__ import annotations

import json
from pathlib import Path

ROUTER_TAB = "fieldops-alarm-router"
# Node ids: any property whose value equals a config node id counts as a reference to it, so ids are unlike names.
BROKER_NODE = "b0a1c2d3e4f50001"
# Node-RED's MQTT client id: fixed, with a persistent session, so a backlog queues at the broker while it is away.
CLIENT_ID = "bench-node-red-router"
COUNT_PATH = "/bench/count"

# The router's whole logic, as a function node: one push per new (device, kind) alarm to the site's
# subscriptions, repeats only counted. Encryption and VAPID signing are the web-push package's
# (generateRequestDetails); the request goes out on node's http with a keep-alive agent, since web-push
# itself only speaks https and the push service here is plain http on loopback, as it is for FieldOps.
FUNCTION_JS = """\
const parts = msg.topic.split('/');
const site = parts[1], device = parts[2];
let event;
try { event = JSON.parse(msg.payload); } catch (e) { node.warn('bad payload on ' + msg.topic); return null; }
if (device.startsWith('storm-')) {
    const storm = flow.get('storm');
    storm.count += 1;
    if (storm.count === 1) storm.first = Date.now();
    storm.last = Date.now();
}
if (!event || event.active !== true || event.kind === 'heartbeat') return null;
const seen = context.get('seen') || new Set();
context.set('seen', seen);
const key = site + '/' + device + '/' + event.kind;
if (seen.has(key)) return null;
seen.add(key);
const targets = SUBSCRIPTIONS[site] || [];
if (targets.length === 0) return null;
const n = (context.get('n') || 0) + 1;
context.set('n', n);
const alarm = {type: 'alarm', alarm_id: 'nr-' + n, work_order_id: null, site_id: site, kind: event.kind,
               zone: event.zone || null, ts: new Date().toISOString()};
const webpush = global.get('webpush'), http = global.get('http');
const agent = global.get('pushAgent');
for (const target of targets) {
    const details = webpush.generateRequestDetails(target.subscription, JSON.stringify(alarm),
        {vapidDetails: VAPID, TTL: 3600, urgency: 'high', topic: 'nr' + n});
    const req = http.request({hostname: target.host, port: target.port, path: target.path, method: 'POST',
                              headers: details.headers, agent: agent}, (res) => {
        res.resume();
        if (res.statusCode !== 201) node.warn('push answered ' + res.statusCode);
    });
    req.on('error', (err) => node.error('push failed: ' + err));
    req.end(details.body);
}
return null;
"""

COUNT_JS = "msg.payload = flow.get('storm');\nreturn msg;\n"
INIT_JS = "flow.set('storm', {count: 0, first: 0, last: 0});\n"


def push_target(subscription: dict) -> dict:
    """Where a subscription's pushes go on plain http: host, port and path taken from its endpoint."""
    endpoint = subscription["endpoint"]
    scheme, _, rest = endpoint.partition("://")
    if scheme != "http":
        raise ValueError(f"the bench router pushes over plain http on loopback, not {endpoint}")
    address, _, path = rest.partition("/")
    host, _, port = address.rpartition(":")
    return {"subscription": subscription, "host": host, "port": int(port), "path": "/" + path}


def function_source(subscriptions: dict[str, list[dict]], vapid_public: str, vapid_private: str, subject: str) -> str:
    """The function node's body with its constants (the site's subscriptions, our VAPID key) written in."""
    targets = {site: [push_target(s) for s in subs] for site, subs in subscriptions.items()}
    vapid = {"subject": subject, "publicKey": vapid_public, "privateKey": vapid_private}
    return f"const SUBSCRIPTIONS = {json.dumps(targets)};\nconst VAPID = {json.dumps(vapid)};\n" + FUNCTION_JS


def flows(broker_port: int, function_js: str) -> list[dict]:
    """flows.json: the MQTT broker config, MQTT in → function, and GET /bench/count for the storm's counts."""
    return [
        {"id": ROUTER_TAB, "type": "tab", "label": "FieldOps alarm router", "disabled": False, "info": ""},
        {"id": BROKER_NODE, "type": "mqtt-broker", "name": "mosquitto", "broker": "127.0.0.1", "port": str(broker_port),
         "clientid": CLIENT_ID, "autoConnect": True, "usetls": False, "protocolVersion": "5", "keepalive": "60",
         "cleansession": False, "autoUnsubscribe": False, "sessionExpiry": "3600",
         "birthTopic": "", "closeTopic": "", "willTopic": ""},
        {"id": "sensor-events", "type": "mqtt in", "z": ROUTER_TAB, "name": "sensor events", "topic": "fieldops/+/+/event",
         "qos": "1", "datatype": "utf8", "broker": BROKER_NODE, "nl": False, "rap": True, "rh": 0, "inputs": 0,
         "x": 140, "y": 80, "wires": [["alarm-to-push"]]},
        {"id": "alarm-to-push", "type": "function", "z": ROUTER_TAB, "name": "new alarm -> web push", "func": function_js,
         "outputs": 0, "timeout": 0, "noerr": 0, "initialize": INIT_JS, "finalize": "", "libs": [], "x": 380, "y": 80, "wires": []},
        {"id": "count-in", "type": "http in", "z": ROUTER_TAB, "name": "", "url": COUNT_PATH, "method": "get",
         "upload": False, "swaggerDoc": "", "x": 140, "y": 160, "wires": [["count-read"]]},
        {"id": "count-read", "type": "function", "z": ROUTER_TAB, "name": "storm counts", "func": COUNT_JS, "outputs": 1,
         "timeout": 0, "noerr": 0, "initialize": "", "finalize": "", "libs": [], "x": 340, "y": 160, "wires": [["count-out"]]},
        {"id": "count-out", "type": "http response", "z": ROUTER_TAB, "name": "", "statusCode": "", "headers": {},
         "x": 520, "y": 160, "wires": []},
    ]


def credentials(username: str, password: str) -> dict:
    """flows_cred.json, unencrypted (settings say credentialSecret: false): the broker login."""
    return {BROKER_NODE: {"user": username, "password": password}}


def settings_js(node_modules: Path, port: int) -> str:
    """Headless settings: no editor or admin API, the router's libraries in the global context, warnings only."""
    web_push = json.dumps(str(node_modules / "web-push"))
    return f"""\
const http = require('http');
module.exports = {{
    uiHost: '127.0.0.1',
    uiPort: {port},
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: '/',
    functionExternalModules: false,
    functionGlobalContext: {{
        webpush: require({web_push}),
        http: http,
        pushAgent: new http.Agent({{keepAlive: true}}),
    }},
    logging: {{console: {{level: 'warn', metrics: false, audit: false}}}},
}};
"""


def write_router(user_dir: Path, node_modules: Path, port: int, broker_port: int, username: str, password: str,
                 subscriptions: dict[str, list[dict]], vapid_public: str, vapid_private: str, subject: str) -> Path:
    """Write settings.js, flows.json and flows_cred.json into `user_dir`; the settings file's path."""
    user_dir.mkdir(parents=True, exist_ok=True)
    source = function_source(subscriptions, vapid_public, vapid_private, subject)
    (user_dir / "flows.json").write_text(json.dumps(flows(broker_port, source), indent=1))
    (user_dir / "flows_cred.json").write_text(json.dumps(credentials(username, password)))
    settings = user_dir / "settings.js"
    settings.write_text(settings_js(node_modules, port))
    return settings
