"""Demo data for `make run`: two sites, one user per role with printed passwords, orders in several states.

Created only in a database without sites, through the same mutators as real traffic; a database that existed
and was lost is refused at open (server/store/guard.py), so demo data never lands in its place.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from server.auth import add_user
from server.blobs.access import record_blob
from server.blobs.store import BlobStore
from server.clock import now, to_rfc3339
from server.domain.directory import DeviceCreate, add_device, add_site
from server.domain.actor import Actor
from server.domain.registry import apply_mutation
from server.ids import new_id
from server.store import Store, Tx

SITES = {"garden": "翠园小区 Garden Court", "tower": "国贸大厦 Trade Tower"}
USERS = [  # username, role, sites, name
    ("dispatcher", "dispatcher", ["garden", "tower"], "客服 王芳"),
    ("tech", "technician", ["garden", "tower"], "维修 李强"),
    ("tech2", "technician", ["garden"], "维修 赵磊"),
    ("guard", "guard", ["garden"], "护卫 陈刚"),
    ("supervisor", "supervisor", ["garden", "tower"], "主管 刘洋"),
    ("admin", "admin", [], "系统管理员"),
]
DEMO_PASSWORD = "fieldops-demo"


def consent_drawing() -> bytes:
    """A customer's scribble as the tablet exports it (PNG), for the demo's paid job."""
    img = Image.new("RGB", (480, 160), "white")
    ImageDraw.Draw(img).line([(30, 110), (90, 40), (140, 120), (200, 50), (260, 115), (330, 45), (420, 100)], fill="black", width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def create_demo(store: Store, blobs: BlobStore | None = None) -> list[tuple[str, str, str]] | None:
    """Fill a database without sites; return the demo logins, or None when it holds someone else's data.

    With `blobs`, the paid job's consent drawing is stored too (else it shows as pending)."""
    drawing = consent_drawing()
    consent_sha = hashlib.sha256(drawing).hexdigest()
    landed = None
    if blobs is not None:
        writer = blobs.writer(consent_sha)
        try:
            writer.write(drawing)
            landed = writer.finish()
        finally:
            writer.discard()

    def fill(tx: Tx) -> list[tuple[str, str, str]] | None:
        if tx.one("SELECT 1 AS x FROM sites LIMIT 1"):
            demo_users = tx.query(f"SELECT username FROM users WHERE username IN ({','.join('?' for _ in USERS)})", [u[0] for u in USERS])
            return [(u, DEMO_PASSWORD, role) for u, role, _, _ in USERS] if len(demo_users) == len(USERS) else None
        for site_id, name in SITES.items():
            add_site(tx, site_id, name)
        ids = {u: add_user(tx, u, DEMO_PASSWORD, role, sites, name) for u, role, sites, name in USERS}
        add_device(tx, DeviceCreate(id="leak-b2-pump", site_id="garden", zone="B2 水泵房 pump room", kind="water_leak", source="native"))
        add_device(tx, DeviceCreate(id="0x00158d0001a2b3c4", site_id="garden", zone="3栋 地下室 basement", kind="water_leak", source="zigbee2mqtt", name="garden/b3/leak"))
        add_device(tx, DeviceCreate(id="shellyflood-A1B2C3", site_id="tower", zone="12F 茶水间 pantry", kind="water_leak", source="shelly"))
        _orders(tx, ids, consent_sha)
        if landed is not None:
            record_blob(tx, landed, ids["tech"])
        return [(u, DEMO_PASSWORD, role) for u, role, _, _ in USERS]

    return store.write(fill)


def _orders(tx: Tx, ids: dict[str, str], consent_sha: str) -> None:
    office = Actor(ids["dispatcher"], "客服 王芳", "dispatcher", frozenset(SITES))
    tech = Actor(ids["tech"], "维修 李强", "technician", frozenset(SITES))
    start = now() - timedelta(hours=2)

    def step(actor: Actor, name: str, minutes: float, **args: object) -> None:
        apply_mutation(tx, actor, name, args, start + timedelta(minutes=minutes))

    jobs = [
        ("garden", "3-1201", "repair", "normal", "厨房水龙头漏水 Kitchen tap leaking", "王女士", 0),
        ("garden", "5-0302", "repair", "urgent", "卫生间下水道堵塞 Blocked bathroom drain", "张先生", 2),
        ("tower", "12F-05", "repair", "normal", "办公室灯管不亮 Office lights out", "前台 Reception", 3),
        ("garden", "2-0801", "complaint", "normal", "夜间施工噪音 Night-time construction noise", "刘先生", 5),
    ]
    made = []
    for site, unit, category, priority, title, reporter, at in jobs:
        order_id = new_id()
        step(office, "create_work_order", at, id=order_id, site_id=site, unit=unit, category=category, priority=priority,
             title=title, description=title, reporter={"name": reporter, "phone": "138-0000-0000"},
             complaint_level="minor" if category == "complaint" else None,
             contacted_at=to_rfc3339(start + timedelta(minutes=at - 1)))  # the call came a minute before the record
        made.append(order_id)
    # A sub-kind with its own target (2 working days, `resolve.type.gas_ignition`): data, not code.
    step(office, "create_work_order", 7, id=new_id(), site_id="garden", unit="6-1502", category="repair", priority="normal",
         title="燃气灶点不着火 Gas stove will not light", description="燃气灶点不着火 Gas stove will not light",
         reporter={"name": "陈女士", "phone": "138-0000-0000"}, work_type="gas_ignition", contacted_at=to_rfc3339(start + timedelta(minutes=6)))
    step(office, "dispatch", 1, work_order_id=made[0], technician_id=ids["tech"])
    step(tech, "accept", 3, work_order_id=made[0])
    step(tech, "arrive", 12, work_order_id=made[0])
    step(tech, "confirm_scope", 15, work_order_id=made[0], scope="更换水龙头阀芯 Replace tap cartridge", labor_fee=5000, material_fee=3500, customer_name="王女士",
         consent_signature_sha256=consent_sha)
    step(office, "dispatch", 4, work_order_id=made[1], technician_id=ids["tech"])
    step(office, "dispatch", 6, work_order_id=made[2], technician_id=ids["tech"])
    step(tech, "accept", 8, work_order_id=made[2])
