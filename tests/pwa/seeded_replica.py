"""A replica seeded as a pull would leave it (a technician's orders, an alarm) for tests that drive
the screens without a server: the static pwa/ server and these objects are the whole world."""

from __future__ import annotations

from playwright.sync_api import Page

TECH = {"id": "u-tech", "name": "李师傅", "role": "technician", "site_ids": ["lotus"]}
ORDER = {
    "id": "0190f2a4-7b1c-7000-8000-00000000b001", "site_id": "lotus", "unit": "3栋2单元501",
    "category": "repair", "priority": "urgent", "status": "dispatched", "title": "厨房水龙头漏水",
    "description": "水龙头根部滴水", "reporter": {"name": "王女士", "phone": "13800000000"},
    "assignee_id": "u-tech", "scope": None, "labor_fee": None, "material_fee": None, "summary": None,
    "photos": [], "notes": [], "signature": None, "created_at": "2026-11-23T08:54:00Z",
    "dispatched_at": "2026-11-23T08:55:00Z",  # the 5-minute arrival was due at 09:00
    "sla": [{"step": "dispatch", "target_s": 120, "elapsed_s": 60, "met": True, "due_at": "2026-11-23T08:56:00Z"},
            {"step": "arrive", "target_s": 300, "elapsed_s": 420, "met": None, "due_at": "2026-11-23T09:00:00Z"},
            {"step": "feedback", "target_s": 1200, "elapsed_s": None, "met": None, "due_at": None}],
}
LATER = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000b002", "title": "楼道灯不亮", "priority": "normal",
         "created_at": "2026-11-23T09:00:00Z", "dispatched_at": "2026-11-23T09:01:00Z",
         "sla": [{"step": "dispatch", "target_s": 120, "elapsed_s": 60, "met": True, "due_at": "2026-11-23T09:02:00Z"},
                 {"step": "arrive", "target_s": 900, "elapsed_s": 60, "met": None, "due_at": "2026-11-23T09:16:00Z"},
                 {"step": "feedback", "target_s": 1200, "elapsed_s": None, "met": None, "due_at": None}]}
ALARM = {"id": "al-1", "site_id": "lotus", "device_id": "leak-b2", "kind": "water_leak", "zone": "B2 泵房",
         "state": "active", "acked_by": None, "acked_at": None, "first_seen": "2026-11-23T09:00:00Z",
         "last_seen": "2026-11-23T09:00:05Z", "count": 2, "work_order_id": "wo-em-1"}


def seed(page: Page, user: dict, objects: list[tuple[str, dict]]) -> None:
    page.evaluate("""async ([user, objects]) => {
      const db = await import('/js/db.js');
      await db.transact(['base', 'replica', 'meta'], 'readwrite', (s) => {
        for (const [type, value] of objects) {
          s.base.put({type, id: value.id, value});
          s.replica.put({type, id: value.id, value, pending: false});
        }
        s.meta.put({token: 'not-a-real-token', user, lang: 'zh-CN'}, 'auth');
        s.meta.put({server_time: new Date().toISOString(), local_time: Date.now()}, 'last_pull');
      });
    }""", [user, [[t, v] for t, v in objects]])


def go(page: Page, hash_: str, testid: str) -> None:
    page.evaluate("h => { location.hash = h; }", hash_)
    page.wait_for_selector(f"[data-testid={testid}]")
