"""A board that is still rendering when the user opens another screen (a refresh of the alarm list, a
sync) must not cover that screen when it finishes: the dispatcher's and the guard's boards check their
route before they mount."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.pwa.seeded_replica import ALARM, LATER, ORDER, TECH, seed

DISPATCHER = {**TECH, "id": "u-disp", "role": "dispatcher"}
GUARD = {**TECH, "id": "u-guard", "role": "guard"}


@pytest.mark.parametrize(("module", "show", "route", "user"), [
    ("/js/screens/dispatcher.js", "showDispatcher", "board", DISPATCHER),
    ("/js/screens/guard.js", "showGuard", "alarms", GUARD),
])
def test_a_board_finishing_late_leaves_the_screen_the_user_opened_meanwhile(page: Page, module: str, show: str, route: str, user: dict) -> None:
    seed(page, user, [("work_order", ORDER), ("work_order", LATER), ("alarm", ALARM)])
    kept = page.evaluate("""async ([module, show, route, user]) => {
      const screens = await import(module);
      const root = document.createElement('main');
      root.dataset.route = route;
      const rendering = screens[show](root, {user, params: [], again: true});  // reads IndexedDB first
      root.dataset.route = 'job'; location.hash = '#/job/x';                  // meanwhile the user opens a job
      const job = document.createElement('section');
      root.replaceChildren(job);
      await rendering;
      return root.firstElementChild === job;
    }""", [module, show, route, user])
    assert kept


@pytest.mark.parametrize(("role", "home"), [
    ("technician", "jobs"), ("guard", "alarms"), ("dispatcher", "board"), ("supervisor", "supervisor"), ("admin", "admin"),
])
def test_the_address_bar_names_the_roles_home_when_the_app_opens_at_its_root(page: Page, role: str, home: str) -> None:
    # a slow redraw checks the route in the address bar before it mounts: "#/" must become the screen shown
    seed(page, {**TECH, "id": f"u-{role}", "role": role}, [])
    page.evaluate("() => { location.hash = '#/'; }")
    page.wait_for_function("home => location.hash === '#/' + home && document.body.dataset.route === home", arg=home)
    assert page.evaluate("() => location.hash") == f"#/{home}"
