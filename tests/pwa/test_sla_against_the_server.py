"""SLA countdowns against the real server: orders are walked to each step through real sync pushes with
past `client_ts` (so each step happened when we say), then the dispatcher's board and the technician's
job list, in Chromium, must show for every order the step the server's `sla` has running, the time its
`due_at` leaves (or how late it is) in words and in red, and the most overdue first."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from server.clock import parse_rfc3339
from tests.live_server import LiveServer
from tests.pwa.app_steps import sign_in, synced, wait_until
from tests.pwa.crafted_orders import Walk

MIN, HOUR, DAY = 60, 3600, 86400
# The board ticks once a second and rounds; reading it and asking the server are a moment apart.
TOLERANCE_S = 3

STEP_WORDS = {"zh-CN": {"答复": "reply", "派单": "dispatch", "到场": "arrive", "解决": "resolve", "反馈": "feedback", "回访": "call_back"},
              "en": {"Reply": "reply", "Dispatch": "dispatch", "Arrive": "arrive", "Resolve": "resolve", "Feedback": "feedback", "Call-back": "call_back"}}
COUNTDOWN = {"zh-CN": re.compile(r"^(\S+) · (剩余|超时) ((?:\d+ 天 )?[\d:]+)$"), "en": re.compile(r"^(\S+) · ((?:\d+ d )?[\d:]+) (left|overdue)$")}


def seconds_of(clock: str) -> int:
    """ "1:55:12" or "6 天 22:59:28" / "6 d 22:59:28" → seconds."""
    days, _, clock = clock.rpartition(" ")
    total = int(days.split()[0]) * 86400 if days else 0
    seconds = 0
    for part in clock.split(":"):
        seconds = seconds * 60 + int(part)
    return total + seconds


def read_countdown(text: str, lang: str) -> tuple[str, float]:
    """ "到场 · 超时 2:03:12" → ("arrive", -7392): the step and the seconds left (negative = overdue)."""
    match = COUNTDOWN[lang].match(text)
    assert match, f"not a countdown in {lang}: {text!r}"
    if lang == "zh-CN":
        step, state, clock = match.groups()
        late = state == "超时"
    else:
        step, clock, state = match.groups()
        late = state == "overdue"
    return STEP_WORDS[lang][step], -seconds_of(clock) if late else seconds_of(clock)


@pytest.fixture(scope="module")
def crafted(live: LiveServer) -> dict[str, str]:
    """One order per running step (the step each name says), made through sync pushes with past client_ts."""
    walk = Walk(live)
    made = {
        # recorded 10 minutes ago and nobody dispatched it: dispatch is 8 minutes late
        "dispatch_late": walk.order("Lift stuck at 3F", [("create", 10 * MIN)]),
        # the case: urgent, dispatched two hours ago, the 5-minute arrival long missed
        "arrive_late": walk.order("Burst pipe in the basement", [("create", 2 * HOUR + 10 * MIN), ("dispatch", 2 * HOUR + 5 * MIN),
                                                                  ("accept", 2 * HOUR)], priority="urgent"),
        "arrive_on_time": walk.order("Corridor light out", [("create", 3 * MIN), ("dispatch", 2 * MIN), ("accept", 1 * MIN)]),
        # on site and working: only the resolve target (1 day for urgent) is still running
        "resolve": walk.order("Door lock jammed", [("create", 3 * HOUR), ("dispatch", 3 * HOUR - 60), ("accept", 3 * HOUR - 90),
                                                   ("arrive", 3 * HOUR - 240), ("confirm_scope", 3 * HOUR - 300)], priority="urgent"),
        # signed off yesterday: the urgent job's call-back (7 days) is running
        "call_back": walk.order("Water heater replaced", [("create", DAY + 3 * HOUR), ("dispatch", DAY + 3 * HOUR - 60),
                                                          ("accept", DAY + 3 * HOUR - 90), ("arrive", DAY + 3 * HOUR - 200),
                                                          ("confirm_scope", DAY + 3 * HOUR - 300), ("cleanup_photo", DAY + 2 * HOUR),
                                                          ("complete", DAY + 2 * HOUR - 60), ("sign_off", DAY)], priority="urgent"),
        # in progress with its cleanup photo: the technician completes it offline in the test, so feedback runs on the phone
        "feedback": walk.order("Tap dripping", [("create", HOUR), ("dispatch", HOUR - 60), ("accept", HOUR - 90), ("arrive", HOUR - 200),
                                                ("confirm_scope", HOUR - 300), ("cleanup_photo", 10 * MIN)]),
    }
    office = live.login("disp")
    for name, oid in made.items():
        assert office.order(oid)["status"] == {"dispatch_late": "new", "arrive_late": "accepted", "arrive_on_time": "accepted",
                                               "resolve": "in_progress", "call_back": "signed_off", "feedback": "in_progress"}[name], name
    return made


def server_sla(live: LiveServer, oid: str) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in live.login("disp").order(oid)["sla"]}


def board_rows(page: Page, selector: str) -> list[dict[str, Any]]:
    """What the screen shows per order, read at one moment (with that moment, for the time-left check)."""
    rows = page.evaluate("""(selector) => [...document.querySelectorAll(selector)].map((el) => {
      const c = el.querySelector('[data-countdown]');
      return {id: el.dataset.orderId, text: c.textContent, step: c.dataset.step, overdue: c.dataset.overdue === 'true',
              red: getComputedStyle(c).color, whole: el.innerText};
    })""", selector)
    read_at = time.time()
    return [{**r, "read_at": read_at} for r in rows]


def check_against_the_server(row: dict[str, Any], expected_step: str, sla: dict[str, dict[str, Any]], lang: str) -> None:
    entry = sla[expected_step]
    step, left = read_countdown(row["text"], lang)
    assert step == expected_step == row["step"], (row, expected_step)
    due = parse_rfc3339(entry["due_at"]).timestamp()
    assert abs(left - (due - row["read_at"])) <= TOLERANCE_S, (row["text"], entry)
    # the server calls a running step met=false once it is past its target: the screen says overdue exactly then
    assert row["overdue"] is (entry["met"] is False), (row, entry)
    assert (row["red"] == "rgb(176, 0, 32)") is row["overdue"], row  # --bad, the colour says it too


def test_the_dispatchers_board_counts_the_running_step_of_every_order_as_the_server_does(
        browser: Browser, live: LiveServer, crafted: dict[str, str]) -> None:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        sign_in(page, live.url, "disp", "[data-testid=dispatcher-screen]")
        for oid in crafted.values():
            page.wait_for_selector(f"[data-testid=sla-row][data-order-id='{oid}']")
        rows = {r["id"]: r for r in board_rows(page, "[data-testid=sla-row]")}
        expected = {"dispatch_late": "dispatch", "arrive_late": "arrive", "arrive_on_time": "arrive", "resolve": "resolve",
                    "call_back": "call_back", "feedback": "resolve"}
        for name, oid in crafted.items():
            check_against_the_server(rows[oid], expected[name], server_sla(live, oid), "zh-CN")
            assert "North Court · 3-1201" in rows[oid]["whole"]  # the site by name, not `north`
        # the urgent job two hours late arriving leads; then the dispatch 8 minutes late; then by deadline
        order = [r["id"] for r in board_rows(page, "[data-testid=sla-row]") if r["id"] in crafted.values()]
        assert order == [crafted[n] for n in ["arrive_late", "dispatch_late", "arrive_on_time", "resolve", "feedback", "call_back"]]
        assert [r["overdue"] for r in board_rows(page, "[data-testid=sla-row]")][:2] == [True, True]
        # the steps already missed are listed apart: the late dispatch of the urgent job
        missed = page.locator(f"[data-testid=sla-row][data-order-id='{crafted['arrive_late']}'] [data-testid=sla-missed]").inner_text()
        assert missed == "派单" and server_sla(live, crafted["arrive_late"])["dispatch"]["met"] is False
    finally:
        ctx.close()


def test_the_technicians_list_counts_the_running_step_and_feedback_runs_while_a_completion_is_unsent(
        browser: Browser, live: LiveServer, crafted: dict[str, str]) -> None:
    ctx = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740})
    try:
        page = ctx.new_page()
        sign_in(page, live.url, "tech", "[data-testid=jobs-screen]")
        mine = {n: crafted[n] for n in ["arrive_late", "arrive_on_time", "resolve", "feedback"]}
        for oid in mine.values():
            page.wait_for_selector(f"[data-testid=job-item][data-order-id='{oid}']")
        rows = board_rows(page, "[data-testid=job-item]")
        shown = {r["id"]: r for r in rows}
        for name, step in {"arrive_late": "arrive", "arrive_on_time": "arrive", "resolve": "resolve", "feedback": "resolve"}.items():
            check_against_the_server(shown[mine[name]], step, server_sla(live, mine[name]), "en")
            assert "North Court · 3-1201" in shown[mine[name]]["whole"]
        assert rows[0]["id"] == mine["arrive_late"] and "overdue" in rows[0]["text"]  # first, not third behind a normal job
        assert crafted["call_back"] not in shown  # signed off: the office's call-back, not the technician's

        # in a basement: the completion waits on the phone, and the 20-minute feedback target runs from it
        ctx.set_offline(True)
        page.click(f"[data-testid=job-item][data-order-id='{mine['feedback']}']")
        page.fill("[data-testid=summary]", "Washer replaced, floor wiped")
        page.click("[data-testid=complete]")
        completed_at = time.time()
        page.wait_for_selector("[data-testid=job-screen][data-status=completed]")
        page.evaluate("location.hash = '#/jobs'")
        row = page.locator(f"[data-testid=job-item][data-order-id='{mine['feedback']}'] [data-testid=countdown]")
        wait_until(page, f"document.querySelector(\"[data-order-id='{mine['feedback']}'] [data-countdown]\")?.dataset.step === 'feedback'",
                   10, "the feedback countdown")
        step, left = read_countdown(row.inner_text(), "en")
        target = server_sla(live, mine["feedback"])["feedback"]["target_s"]
        assert step == "feedback" and abs(left - (target - (time.time() - completed_at))) <= TOLERANCE_S, (row.inner_text(), target)

        ctx.set_offline(False)
        synced(page)
        feedback = server_sla(live, mine["feedback"])["feedback"]
        assert feedback["met"] is True and feedback["elapsed_s"] is not None  # the server has it: feedback done in time
        wait_until(page, f"document.querySelector(\"[data-order-id='{mine['feedback']}'] [data-countdown]\")?.dataset.step === ''",
                   10, "nothing left running on the completed job")
    finally:
        ctx.close()
