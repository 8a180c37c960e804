"""The outbox: a step is on disk before it shows as done, ids run 1, 2, 3… per client and
survive a reload; rebase re-applies pending steps on top of what the server sent."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.pwa.conftest import import_module

ORDER = {
    "id": "0190f2a4-7b1c-7000-8000-00000000a001", "site_id": "lotus-garden", "unit": "5-1201",
    "category": "repair", "priority": "urgent", "status": "dispatched", "title": "热水器不出热水",
    "description": "", "reporter": {"name": "王女士", "phone": "13800000000"}, "assignee_id": "u-tech",
    "scope": None, "labor_fee": None, "material_fee": None, "summary": None, "photos": [], "notes": [],
    "signature": None, "sla": [{"step": "arrive", "target_s": 300, "elapsed_s": 60, "met": None}],
}

SEED_REPLICA = """
  const db = await import('/js/db.js');
  await db.transact(['base', 'replica'], 'readwrite', (s) => {
    s.base.put({type: 'work_order', id: arg.id, value: arg});
    s.replica.put({type: 'work_order', id: arg.id, value: arg, pending: false});
  });
"""


def test_steps_taken_offline_are_in_the_outbox_after_a_reload_in_order(page: Page) -> None:
    import_module(page, "/sync.js", SEED_REPLICA + """
      await m.enqueue('accept', {work_order_id: arg.id});
      await m.enqueue('arrive', {work_order_id: arg.id});
      await m.enqueue('add_note', {work_order_id: arg.id, id: 'n-1', text: '业主不在家，邻居开门'});
    """, ORDER)
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    outbox = import_module(page, "/js/db.js", "return m.listOutbox();")
    assert [(m["id"], m["name"]) for m in outbox] == [(1, "accept"), (2, "arrive"), (3, "add_note")]
    assert all(m["client_ts"].endswith("Z") for m in outbox)
    after = import_module(page, "/sync.js", """
      const id = await m.enqueue('confirm_scope', {work_order_id: arg.id, scope: '更换温控器',
        labor_fee: 5000, material_fee: 12000, customer_name: '王女士'});
      const db = await import('/js/db.js');
      return [id, await db.getObject('work_order', arg.id), await m.pendingCounts()];
    """, ORDER)
    next_id, row, counts = after
    assert next_id == 4
    assert row["pending"] is True and row["value"]["status"] == "in_progress"
    assert row["value"]["labor_fee"] == 5000 and len(row["value"]["notes"]) == 1
    assert counts["total"] == 4 and counts["byOrder"] == {ORDER["id"]: 4}


def test_a_step_the_order_does_not_allow_is_refused_and_not_queued(page: Page) -> None:
    result = import_module(page, "/sync.js", SEED_REPLICA + """
      try { await m.enqueue('complete', {work_order_id: arg.id, summary: 'done'}); return 'queued'; }
      catch (e) { const db = await import('/js/db.js'); return [e.code, (await db.listOutbox()).length]; }
    """, ORDER)
    assert result == ["invalid_transition", 0]


def test_completing_needs_a_cleanup_photo_like_the_server(page: Page) -> None:
    in_progress = {**ORDER, "status": "in_progress"}
    result = import_module(page, "/js/transitions.js", """
      const m1 = {name: 'complete', args: {work_order_id: arg.id, summary: 'ok'}, client_ts: '2026-11-23T09:00:00Z'};
      let refused = null;
      try { m.applyMutation(arg, m1); } catch (e) { refused = e.code; }
      const withPhoto = m.applyMutation(arg, {name: 'attach_photo', args: {work_order_id: arg.id, sha256: 'a'.repeat(64),
        kind: 'cleanup', taken_at: '2026-11-23T08:59:00Z'}, client_ts: '2026-11-23T08:59:00Z'});
      return [refused, m.applyMutation(withPhoto, m1).status];
    """, in_progress)
    assert result == ["cleanup_photo_required", "completed"]


def test_rebase_puts_pending_steps_on_top_of_pulled_state_and_flags_what_no_longer_fits(page: Page) -> None:
    pulled_accepted = {**ORDER, "status": "accepted", "notes": [{"id": "n-0", "text": "office", "author_id": "d"}]}
    pulled_cancelled = {**ORDER, "id": "other", "status": "cancelled"}
    rows = import_module(page, "/js/transitions.js", """
      const pending = [
        {id: 5, name: 'arrive', args: {work_order_id: arg[0].id}, client_ts: '2026-11-23T09:00:00Z'},
        {id: 6, name: 'add_note', args: {work_order_id: arg[0].id, id: 'n-1', text: 'mine'}, client_ts: '2026-11-23T09:01:00Z'},
        {id: 7, name: 'accept', args: {work_order_id: 'other'}, client_ts: '2026-11-23T09:02:00Z'},
      ];
      const base = arg.map((o) => ({type: 'work_order', id: o.id, value: o}));
      return m.replayOutbox(base, pending, {id: 'u-tech'});
    """, [pulled_accepted, pulled_cancelled])
    by_id = {r["id"]: r for r in rows}
    mine = by_id[ORDER["id"]]
    assert mine["pending"] is True and mine["value"]["status"] == "on_site"
    assert [n["id"] for n in mine["value"]["notes"]] == ["n-0", "n-1"]
    other = by_id["other"]
    assert other["value"]["status"] == "cancelled" and other["conflict"] == "invalid_transition"


def test_browser_made_ids_are_uuid_v7_and_money_is_whole_fen(page: Page) -> None:
    ids = import_module(page, "/js/uuid7.js", "return [m.uuid7(), m.uuid7()];")
    assert all(len(i) == 36 and i[14] == "7" and i[19] in "89ab" for i in ids) and ids[0] != ids[1]
    fen = import_module(page, "/js/money.js",
                        "return ['120', '35.5', '0.29', '1,05', 'abc', '-3'].map(m.yuanToFen).concat([m.formatFen(1250)]);")
    assert fen == [12000, 3550, 29, 105, None, None, "¥12.50"]
