"""The app queues exactly the steps the server allows: for every step and every status, the PWA's
local rules (pwa/js/transitions.js, run in Chromium) accept it iff server/domain/status_rules.py does —
reassigning, a changed scope, a new promise, a call-back before sign-off, cancelling a completed job."""

from __future__ import annotations

from playwright.sync_api import Page

from server.domain.status_rules import ALLOWED_FROM, STATUSES, UNPRICED_CATEGORIES, allowed_from
from tests.pwa.conftest import import_module

ARGS = {"dispatch": {"technician_id": "u-tech"}, "confirm_scope": {"scope": "s", "labor_fee": 0, "material_fee": 0, "customer_name": "c"},
        "complete": {"summary": "done"}, "sign_off": {"signer_name": "c", "signature_sha256": "a" * 64, "accepted": True,
                                                     "document_sha256": "b" * 64, "signed_at": "2026-12-01T09:00:00Z"},
        "defer": {"reason": "part on order", "promised_at": "2026-12-03T09:00:00Z"}, "call_back": {"reached": True, "comment": "ok"},
        "cancel": {"reason": "duplicate"}}


def allowed_in_the_app(page: Page, category: str, photos: list[dict]) -> dict[str, set[str]]:
    allowed = import_module(page, "/js/transitions.js", """
      const out = {};
      for (const [step, args] of Object.entries(arg.args)) {
        out[step] = [];
        for (const status of arg.statuses) {
          const order = {id: 'wo', status, category: arg.category, assignee_id: 'u-tech', photos: arg.photos, notes: []};
          try { m.applyMutation(order, {name: step, args: {work_order_id: 'wo', ...args}, client_ts: '2026-12-01T09:00:00Z'}, {id: 'u-tech'}); out[step].push(status); }
          catch (err) { if (!(err instanceof m.LocalRuleError)) throw err; }
        }
      }
      return out;""", {"args": {step: ARGS.get(step, {}) for step in ALLOWED_FROM}, "statuses": list(STATUSES),
                        "category": category, "photos": photos})
    return {step: set(s) for step, s in allowed.items()}


def test_the_app_allows_a_step_from_exactly_the_statuses_the_server_allows(page: Page) -> None:
    cleanup = [{"sha256": "c" * 64, "kind": "cleanup"}]
    for category in ("repair", "complaint"):
        assert allowed_in_the_app(page, category, cleanup) == {step: set(s) for step, s in ALLOWED_FROM.items()}


def test_a_call_for_help_or_an_emergency_is_completed_from_on_site_with_no_photo_as_on_the_server(page: Page) -> None:
    for category in UNPRICED_CATEGORIES:
        assert allowed_in_the_app(page, category, []) == {step: set(allowed_from(step, category)) for step in ALLOWED_FROM}
    assert "on_site" in allowed_from("complete", "help") and "on_site" not in allowed_from("complete", "repair")


def test_a_reached_call_back_closes_a_completed_call_for_help_but_not_a_completed_repair(page: Page) -> None:
    after = import_module(page, "/js/transitions.js", """
      return arg.map((category) => m.applyMutation({id: 'wo', status: 'completed', category}, {name: 'call_back',
        args: {work_order_id: 'wo', reached: true, comment: 'ok'}, client_ts: '2026-12-01T09:00:00Z'}, {id: 'u-disp'}).status);""",
        ["help", "emergency", "repair"])
    assert after == ["closed", "closed", "completed"]


def test_a_call_back_closes_only_a_signed_off_order_as_on_the_server(page: Page) -> None:
    after = import_module(page, "/js/transitions.js", """
      return arg.map((status) => m.applyMutation({id: 'wo', status}, {name: 'call_back', args: {work_order_id: 'wo', reached: true, comment: 'ok'},
        client_ts: '2026-12-01T09:00:00Z'}, {id: 'u-disp'}).status);""", ["signed_off", "completed", "disputed", "closed"])
    assert after == ["closed", "completed", "disputed", "closed"]
