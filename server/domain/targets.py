"""Service targets and the company's own working days as data (issue 12, DOMAIN.md "Service targets").

`service_targets` rows override the DOMAIN.md defaults (server.domain.sla.DEFAULT_TARGETS) company-wide
(`site_id` '') or for one site; a site's row beats the company's for that key. An order is created with a
snapshot of the targets in force at its site (`snapshot_for`), so later edits never rewrite its SLA history.
`company_days` closes a day or opens one (e.g. a make-up day the holiday package does not know yet).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

import msgspec

from server.clock import DATE_PATTERN, to_rfc3339
from server.domain.access import require_site
from server.domain.actor import Actor
from server.domain.calendar import MAX_WORKING_DAYS, WorkCalendar
from server.domain.mutation import Ref, coded, mutator
from server.domain.sla import DEFAULT_TARGETS, STEPS, Target, Unit, encode_snapshot
from server.errors import Forbidden, Invalid, NotFound
from server.store import Tx

# The qualifiers a key may carry after its step (sla.candidate_keys gives their precedence).
QUALIFIERS = ("repair", "complaint", "help", "emergency", "normal", "urgent")
LEVELS = ("minor", "important", "major")
WORK_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# check_key's grammar as a schema pattern: `call_back` alone is no key (only orders that need one have it).
_QUALIFIED = rf"(\.({'|'.join(QUALIFIERS)})|\.complaint\.({'|'.join(LEVELS)})|\.type\.[a-z][a-z0-9_]{{0,39}})"
TARGET_KEY_PATTERN = rf"^(({'|'.join(s for s in STEPS if s != 'call_back')}){_QUALIFIED}?|call_back{_QUALIFIED})\Z"
# Seconds targets up to a year; working-day targets up to the calendar's reach.
MAX_SECONDS = 366 * 86_400
# The mutations that change what the in-process calendar holds (Services reloads it after them).
CALENDAR_MUTATIONS = frozenset({"set_company_day"})


def check_key(key: str) -> str:
    """`step`, `step.<category|priority>`, `step.complaint.<level>` or `step.type.<work_type>`; else 422."""
    step, _, rest = key.partition(".")
    ok = step in STEPS and (
        rest == "" and step != "call_back"
        or rest in QUALIFIERS
        or rest.startswith("complaint.") and rest.removeprefix("complaint.") in LEVELS
        or rest.startswith("type.") and WORK_TYPE.match(rest.removeprefix("type.")) is not None
    )
    if not ok:
        raise Invalid(f"{key!r} is not a target key: step[.category|.priority|.complaint.<level>|.type.<work_type>]"
                      f" with step one of {', '.join(STEPS)}", code="invalid_target_key")
    return key


def _rows(tx: Tx, site_id: str | None) -> list[dict[str, Any]]:
    sites = ("",) if site_id is None else ("", site_id)
    return tx.query(f"SELECT key, site_id, value, unit FROM service_targets WHERE site_id IN ({','.join('?' for _ in sites)})"
                    " ORDER BY site_id, key", sites)


def in_force(tx: Tx, site_id: str | None) -> dict[str, tuple[Target, str | None]]:
    """key → (target, where it comes from: None company-wide or default, else the site) for one site or the company."""
    found: dict[str, tuple[Target, str | None]] = {k: (t, None) for k, t in DEFAULT_TARGETS.items()}
    for row in _rows(tx, site_id):  # company rows first ('' sorts first), then the site's
        found[row["key"]] = (Target(row["value"], row["unit"]), row["site_id"] or None)
    return found


def snapshot_for(tx: Tx, site_id: str) -> str:
    """The targets an order created now at this site is judged by, as stored on the order."""
    return encode_snapshot({k: t for k, (t, _) in in_force(tx, site_id).items()})


def list_targets(tx: Tx, actor: Actor, site_id: str | None = None) -> list[dict[str, Any]]:
    """The targets in force (defaults included): company-wide, plus each visible site's own; or those of one site."""
    if site_id is not None:
        require_site(actor, site_id)
        if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (site_id,)) is None:
            raise NotFound(f"no site {site_id}", code="site_not_found")
        entries = in_force(tx, site_id)
    else:
        entries = in_force(tx, None)
    out = [{"key": k, "value": t.value, "unit": t.unit, "site_id": where} for k, (t, where) in sorted(entries.items())]
    if site_id is None:
        for row in tx.query("SELECT key, site_id, value, unit FROM service_targets WHERE site_id != '' ORDER BY site_id, key"):
            if actor.has_site(row["site_id"]):
                out.append({"key": row["key"], "value": row["value"], "unit": row["unit"], "site_id": row["site_id"]})
    return out


class SetServiceTarget(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(pattern=coded(TARGET_KEY_PATTERN, "invalid_target_key"), max_length=80)]
    value: Annotated[int, msgspec.Meta(ge=0)] | None  # None removes the row: the company's (or default) target applies again
    unit: Unit
    site_id: str | None = None


@mutator("set_service_target", SetServiceTarget, {"supervisor"}, answers="service_target")
def set_service_target(tx: Tx, actor: Actor, args: SetServiceTarget, occurred_at: datetime) -> Ref:
    """Set a service target for the company (admin) or one site (its supervisor), or remove it (value null); orders created afterwards use it."""
    check_key(args.key)
    limit = MAX_SECONDS if args.unit == "seconds" else MAX_WORKING_DAYS
    if args.value is not None and args.value > limit:
        raise Invalid(f"a target in {args.unit} is at most {limit}", code="target_out_of_range")
    if args.site_id is None and not actor.is_admin:
        raise Forbidden("only an administrator sets company-wide targets; name one of your sites", code="role_not_allowed")
    if args.site_id is not None:
        require_site(actor, args.site_id)
        if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (args.site_id,)) is None:
            raise NotFound(f"no site {args.site_id}", code="site_not_found")
    site = args.site_id or ""
    if args.value is None:
        tx.execute("DELETE FROM service_targets WHERE key = ? AND site_id = ?", (args.key, site))
        return Ref("service_target", f"{args.key}@{site}")
    tx.execute("INSERT INTO service_targets (key, site_id, value, unit, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)"
               " ON CONFLICT (key, site_id) DO UPDATE SET value = excluded.value, unit = excluded.unit,"
               " set_by = excluded.set_by, set_at = excluded.set_at",
               (args.key, site, args.value, args.unit, actor.id, to_rfc3339(occurred_at)))
    return Ref("service_target", f"{args.key}@{site}")


def render_target(tx: Tx, ref_id: str) -> dict[str, Any]:
    """The target now in force for the key where it was set (after a removal, the one that applies again)."""
    key, _, site = ref_id.partition("@")
    target, where = in_force(tx, site or None).get(key, (None, None))
    if target is None:  # a removed key no default names: nothing applies
        return {"key": key, "value": None, "unit": None, "site_id": site or None}
    return {"key": key, "value": target.value, "unit": target.unit, "site_id": where}


class SetCompanyDay(msgspec.Struct, forbid_unknown_fields=True):
    day: Annotated[str, msgspec.Meta(pattern=coded(DATE_PATTERN, "invalid_date"))]
    working: bool | None  # False: closed; True: a working day; None: back to the national calendar
    reason: Annotated[str, msgspec.Meta(max_length=200)] = ""


@mutator("set_company_day", SetCompanyDay, set(), answers="company_day")
def set_company_day(tx: Tx, actor: Actor, args: SetCompanyDay, occurred_at: datetime) -> Ref:
    """Close a day for the company, open one as a working day, or return it to the national calendar."""
    try:
        date.fromisoformat(args.day)
    except ValueError:
        raise Invalid(f"{args.day} is not a date", code="invalid_date") from None
    if args.working is None:
        tx.execute("DELETE FROM company_days WHERE day = ?", (args.day,))
    else:
        tx.execute("INSERT INTO company_days (day, working, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
                   " ON CONFLICT (day) DO UPDATE SET working = excluded.working, reason = excluded.reason,"
                   " set_by = excluded.set_by, set_at = excluded.set_at",
                   (args.day, int(args.working), args.reason, actor.id, to_rfc3339(occurred_at)))
    return Ref("company_day", args.day)


def list_company_days(tx: Tx) -> list[dict[str, Any]]:
    """The company's own closures and extra working days, oldest first (the national calendar is not listed)."""
    return [{"day": r["day"], "working": bool(r["working"]), "reason": r["reason"]}
            for r in tx.query("SELECT day, working, reason FROM company_days ORDER BY day")]


def render_company_day(tx: Tx, day: str) -> dict[str, Any]:
    row = tx.one("SELECT day, working, reason FROM company_days WHERE day = ?", (day,))
    return {"day": day, "working": None if row is None else bool(row["working"]), "reason": "" if row is None else row["reason"]}


def parse_hours(text: str) -> tuple[time, time]:
    """`HH:MM-HH:MM` working hours (settings)."""
    opens, _, closes = text.partition("-")
    return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())


def load_calendar(tx: Tx, tz: str, hours: str) -> WorkCalendar:
    opens, closes = parse_hours(hours)
    days = {date.fromisoformat(r["day"]): bool(r["working"]) for r in tx.query("SELECT day, working FROM company_days")}
    return WorkCalendar(tz, opens, closes, days)
