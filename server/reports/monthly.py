"""The monthly statistics of DOMAIN.md (CONTRACT.md "Reports"), from the times things happened.

Definitions (also in the README):
- The month is `YYYY-MM` in the company's time zone; its orders are those *recorded* (created_at) in it.
  Every figure is about that one set of orders, so a month's misses can be listed order by order.
- on_time[step]: of the month's orders where the step is decided — done, or its target passed undone —
  the fraction done within target (server.domain.sla; offline steps count at their occurred time).
  A step still running within target, or not due for the order (e.g. no call-back for a normal repair),
  is left out; null when nothing was decided.
- rework_rate: repair and emergency orders with `rework_of` / all repair and emergency orders, cancelled excluded.
- call_back_rate: orders needing a call-back (every complaint, every urgent/emergency job) that are fixed
  (completed or signed off), called back with the customer reached / all of those.
- complaints.resolved_in_time: decided complaints fixed by their level's deadline (server.domain.complaints).
- alarm_ack_s: seconds from `first_seen` to `acked_at` of the month's acknowledged alarms, p50 and p90
  (linear interpolation); nulls when there are none (or no alarms table yet).
- misses: per figure, the orders behind it, with elapsed and target seconds, and what a person reads:
  the short order number (server.domain.order_number), the site's and the assigned technician's names.
"""

from __future__ import annotations

from datetime import datetime
from math import floor
from typing import Any, Mapping

from server.clock import seconds_between, to_rfc3339
from server.domain.access import order_scope_sql, require_site, site_scope
from server.domain.actor import Actor
from server.domain.complaints import needs_call_back, require_office, resolve_by, resolved_in_time
from server.domain.order_number import order_number
from server.domain.sla import STEPS, step_state
from server.domain.system_texts import decode_args
from server.errors import NotFound
from server.reports.window import MonthWindow
from server.store import Tx

CATEGORIES = ("repair", "complaint", "help", "emergency")
PRIORITIES = ("normal", "urgent", "emergency")
LEVELS = ("minor", "important", "major")
REWORKABLE = ("repair", "emergency")


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = floor(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 3)


def _orders(tx: Tx, actor: Actor, window: MonthWindow, site_id: str | None) -> list[dict[str, Any]]:
    where, params = order_scope_sql(actor)
    if site_id:
        where, params = f"{where} AND site_id = ?", [*params, site_id]
    return tx.query(f"SELECT * FROM work_orders WHERE {where} AND created_at >= ? AND created_at < ? ORDER BY created_at, id",
                    (*params, window.start, window.end))


class Names:
    """Site and people's names for the misses, read once per report (ids mean nothing to a reader)."""

    def __init__(self, tx: Tx, orders: list[dict[str, Any]]) -> None:
        self.sites = {r["id"]: r["name"] for r in tx.query("SELECT id, name FROM sites")}
        people = sorted({wo["assignee_id"] for wo in orders if wo["assignee_id"]})
        rows = tx.query(f"SELECT id, name FROM users WHERE id IN ({','.join('?' for _ in people)})", people) if people else []
        self.people = {r["id"]: r["name"] for r in rows}

    def brief(self, wo: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
        return {"work_order_id": wo["id"], "order_no": order_number(wo["id"]), "site_id": wo["site_id"],
                "site_name": self.sites.get(wo["site_id"], wo["site_id"]), "title": wo["title"],
                # a sensor-made order's title as data (system_texts.py): the page, the CSV and the app word it per reader
                "title_code": wo.get("title_code"), "title_args": decode_args(wo.get("title_args")),
                "assignee_id": wo["assignee_id"], "assignee_name": self.people.get(wo["assignee_id"]) if wo["assignee_id"] else None,
                **extra}


def _on_time(names: Names, orders: list[dict[str, Any]], targets: Mapping[str, int], now: datetime) -> tuple[dict, dict, dict]:
    on_time, decided, misses = {}, {}, {}
    for step in STEPS:
        met = due = 0
        missed = []
        for wo in orders:
            state = step_state(targets, step, wo, now)
            if state is None or state.met is None:
                continue
            due += 1
            if state.met:
                met += 1
            else:
                missed.append(names.brief(wo, elapsed_s=state.elapsed_s, target_s=state.target_s))
        on_time[step], decided[step], misses[step] = rate(met, due), {"met": met, "due": due}, missed
    return on_time, decided, misses


def _complaints(names: Names, orders: list[dict[str, Any]], targets: Mapping[str, int], now: datetime) -> tuple[dict, list]:
    complaints = [wo for wo in orders if wo["category"] == "complaint"]
    by_level = {level: sum(1 for wo in complaints if wo["complaint_level"] == level) for level in LEVELS}
    hits: dict[str, int] = dict.fromkeys(LEVELS, 0)
    due: dict[str, int] = dict.fromkeys(LEVELS, 0)
    late = []
    for wo in complaints:
        verdict = resolved_in_time(targets, wo, now)
        if verdict is None:
            continue
        due[wo["complaint_level"]] += 1
        if verdict:
            hits[wo["complaint_level"]] += 1
        else:
            late.append(names.brief(wo, complaint_level=wo["complaint_level"], resolve_by=resolve_by(targets, wo), completed_at=wo["completed_at"]))
    figures = {
        "by_level": by_level,
        "resolved_in_time": rate(sum(hits.values()), sum(due.values())),
        "resolved_in_time_by_level": {level: rate(hits[level], due[level]) for level in LEVELS},
    }
    return figures, late


def _alarm_ack(tx: Tx, actor: Actor, window: MonthWindow, site_id: str | None) -> dict[str, Any]:
    """Acknowledgement times (the alarms table is made by migration 0004, so it is always there)."""
    clauses, params = ["first_seen >= ?", "first_seen < ?"], [window.start, window.end]
    if site_id:
        clauses.append("site_id = ?")
        params.append(site_id)
    elif not actor.is_admin:
        on_sites, sites = site_scope(actor)
        clauses.append(on_sites)
        params += sites
    rows = tx.query(f"SELECT first_seen, acked_at FROM alarms WHERE {' AND '.join(clauses)}", params)
    waits = [s for s in (seconds_between(r["first_seen"], r["acked_at"]) for r in rows) if s is not None]
    return {"p50": percentile(waits, 0.5), "p90": percentile(waits, 0.9), "acked": len(waits), "unacked": len(rows) - len(waits)}


def monthly_report(tx: Tx, actor: Actor, targets: Mapping[str, int], window: MonthWindow, site_id: str | None, now: datetime) -> dict[str, Any]:
    """The report for the caller's sites (or one of them), as CONTRACT.md shapes it, plus its misses."""
    require_office(actor)
    if site_id:
        require_site(actor, site_id)
        if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (site_id,)) is None:
            raise NotFound(f"no site {site_id}", code="site_not_found")
    orders = _orders(tx, actor, window, site_id)
    names = Names(tx, orders)
    on_time, decided, misses = _on_time(names, orders, targets, now)

    jobs = [wo for wo in orders if wo["category"] in REWORKABLE and wo["status"] != "cancelled"]
    reworks = [wo for wo in jobs if wo["rework_of"]]
    misses["rework"] = [names.brief(wo, rework_of=wo["rework_of"], rework_of_no=order_number(wo["rework_of"])) for wo in reworks]

    owed = [wo for wo in orders if needs_call_back(targets, wo) and wo["status"] != "cancelled" and (wo["signed_off_at"] or wo["completed_at"])]
    called = [wo for wo in owed if wo["called_back_at"]]
    misses["not_called_back"] = [names.brief(wo, fixed_at=wo["signed_off_at"] or wo["completed_at"]) for wo in owed if not wo["called_back_at"]]

    complaints, misses["complaints_late"] = _complaints(names, orders, targets, now)
    return {
        "month": window.month,
        "site_id": site_id,
        "site_name": names.sites.get(site_id) if site_id else None,
        "counts": {
            "by_category": {c: sum(1 for wo in orders if wo["category"] == c) for c in CATEGORIES},
            "by_priority": {p: sum(1 for wo in orders if wo["priority"] == p) for p in PRIORITIES},
            "total": len(orders),
            "cancelled": sum(1 for wo in orders if wo["status"] == "cancelled"),
        },
        "on_time": on_time,
        "rework_rate": rate(len(reworks), len(jobs)),
        "call_back_rate": rate(len(called), len(owed)),
        "complaints": complaints,
        "alarm_ack_s": _alarm_ack(tx, actor, window, site_id),
        "on_time_counts": decided,
        "rework_counts": {"reworks": len(reworks), "jobs": len(jobs)},
        "call_back_counts": {"called": len(called), "owed": len(owed)},
        "misses": misses,
        "window": {"start": window.start, "end": window.end, "time_zone": window.time_zone},
        "generated_at": to_rfc3339(now),
    }
