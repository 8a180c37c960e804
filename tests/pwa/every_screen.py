"""Every screen of the app, by role, with the data that fills it: the one list the accessibility (axe) and
layout checks walk. A new console adds its routes to SCREENS (and, if it needs data, to `world_for_screens`)."""

from __future__ import annotations

import json
from typing import Callable, Iterator, NamedTuple

from playwright.sync_api import Browser, Page

from tests.live_server import LiveServer
from tests.pwa.app_steps import sign_in, synced
from tests.pwa.crafted_orders import Walk

HOUR = 3600


class Screen(NamedTuple):
    role: str  # the username that opens it (tests/world.py); "anyone" before signing in
    route: str  # the hash route; {name} is replaced by the id of that crafted order or alarm
    ready: str  # a selector present once the screen has rendered


HOMES = {"anyone": "[data-testid=login-form]", "tech": "[data-testid=jobs-screen]", "guard": "[data-testid=guard-screen]",
         "disp": "[data-testid=dispatcher-screen]", "boss": "[data-testid=screen][data-route=supervisor]",
         "root": "[data-testid=screen][data-route=admin]"}

SCREENS: list[Screen] = [
    Screen("anyone", "#/login", "[data-testid=login-form]"),
    Screen("tech", "#/jobs", "[data-testid=job-item]"),
    Screen("tech", "#/job/{in_progress}", "[data-testid=job-screen][data-status=in_progress]"),
    Screen("tech", "#/job/{accepted}", "[data-testid=job-screen][data-status=accepted]"),
    Screen("tech", "#/job/{help_on_site}", "[data-testid=unpriced-complete-form]"),  # a call for help: no price, who was there
    Screen("tech", "#/sign/{completed}", "[data-testid=sign-off-screen]"),
    Screen("tech", "#/job/{signed_off}", "[data-testid=job-screen][data-status=signed_off]"),
    Screen("tech", "#/receipt/{signed_off}", "[data-testid=receipt-screen]"),
    Screen("tech", "#/report", "[data-testid=report-site]"),
    Screen("guard", "#/alarms", "[data-testid=alarm-item]"),
    Screen("guard", "#/report", "[data-testid=report-site]"),
    Screen("disp", "#/board", "[data-testid=sla-row]"),
    Screen("disp", "#/job/{new}", "[data-testid=job-screen]"),
    Screen("disp", "#/report", "[data-testid=report-site]"),
    Screen("boss", "#/board", "[data-testid=sla-row]"),
    Screen("root", "#/board", "[data-testid=dispatcher-screen]"),
    Screen("guard", "#/shifts", "[data-testid=shifts-screen]"),
    Screen("boss", "#/supervisor", "[data-testid=supervisor-screen]"),
    Screen("boss", "#/devices", "[data-testid=devices-screen]"),
    Screen("root", "#/admin", "[data-testid=admin-screen]"),
    Screen("boss", "#/targets", "[data-testid=site-targets]"),
    Screen("root", "#/targets", "[data-testid=company-day-add]"),
    Screen("disp", "#/month", "[data-testid=month-screen]"),
]


def world_for_screens(server: LiveServer, publisher) -> dict[str, str]:
    """Orders at every status a screen shows (crafted through sync pushes) and an active alarm."""
    walk = Walk(server)
    made = {
        "new": walk.order("Lift stuck at 3F", [("create", 600)]),
        "accepted": walk.order("Burst pipe in the basement", [("create", 2 * HOUR), ("dispatch", 2 * HOUR - 300), ("accept", HOUR)],
                               priority="urgent"),
        "in_progress": walk.order("Door lock jammed", [("create", HOUR), ("dispatch", HOUR - 60), ("accept", HOUR - 90),
                                                       ("arrive", HOUR - 200), ("confirm_scope", HOUR - 300)]),
        "help_on_site": walk.order("Resident fell in the lift lobby", [("create", 900), ("dispatch", 880), ("accept", 860), ("arrive", 600)],
                                   category="help", help_kind="medical"),
        "completed": walk.order("Tap dripping", [("create", HOUR), ("dispatch", HOUR - 60), ("accept", HOUR - 90), ("arrive", HOUR - 200),
                                                 ("confirm_scope", HOUR - 300), ("cleanup_photo", 600), ("complete", 500)]),
        "signed_off": walk.order("Water heater replaced", [("create", 3 * HOUR), ("dispatch", 3 * HOUR - 60), ("accept", 3 * HOUR - 90),
                                                           ("arrive", 3 * HOUR - 200), ("confirm_scope", 3 * HOUR - 300), ("cleanup_photo", 2 * HOUR),
                                                           ("complete", 2 * HOUR - 60), ("sign_off", HOUR)], priority="urgent"),
    }
    publisher.publish("fieldops/north/leak-b2/event", json.dumps({"kind": "water_leak", "active": True, "zone": "B2 泵房"}))
    return made


def visit_every_screen(browser: Browser, server: LiveServer, ids: dict[str, str], locale: str, viewport: dict,
                       setup: Callable = lambda ctx: ctx) -> Iterator[tuple[Screen, Page]]:
    """Signs in once per role, opens each of its screens and yields it rendered (with its data synced)."""
    roles = dict.fromkeys(s.role for s in SCREENS)
    for role in roles:
        ctx = setup(browser.new_context(locale=locale, viewport=viewport))
        try:
            page = ctx.new_page()
            if role == "anyone":
                page.goto(server.url + "/")
            else:
                sign_in(page, server.url, role, HOMES[role])
                synced(page)  # the first pull is in: every screen has its data
            for screen in (s for s in SCREENS if s.role == role):
                page.evaluate("(h) => { location.hash = h; }", screen.route.format(**ids))
                page.wait_for_selector(screen.ready, timeout=15000)
                yield screen, page
        finally:
            ctx.close()
