"""Security headers of the HTML pages: the app shell, the receipt and the monthly report may not be framed
by another site, run no inline script but their print button, and say their type once."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from tests.evidence.flow import completed_order, sign, upload
from tests.evidence.photos import signature_png


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def handler_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def assert_not_frameable(response) -> None:
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def assert_only_its_own_handlers_run(response) -> None:
    """No 'unsafe-inline' script; every inline handler on the page is allowed by its hash, nothing else."""
    scripts = policy(response)["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    handlers = set(re.findall(r'\son[a-z]+="([^"]*)"', response.text))
    assert handlers == {"window.print()"}
    assert {s for s in scripts if s.startswith("'sha256-")} == {handler_hash(h) for h in handlers}
    assert response.text.count("<script") == 0


def test_the_app_shell_may_not_be_framed_and_runs_only_its_own_scripts(live):
    shell = live.anonymous().get("/")
    assert shell.status_code == 200
    assert shell.headers["content-type"] == "text/html; charset=utf-8"
    assert_not_frameable(shell)
    csp = policy(shell)
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'self'" in csp["script-src"]


def test_the_receipt_may_not_be_framed_and_runs_no_inline_script_but_its_print_button(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    sign(tech, order, upload(tech, signature_png(b"headers")))
    receipt = disp.get(f"/api/v1/work-orders/{order['id']}/receipt")
    assert receipt.status_code == 200
    assert receipt.headers["content-type"] == "text/html; charset=utf-8"
    assert_not_frameable(receipt)
    assert_only_its_own_handlers_run(receipt)
    assert policy(receipt)["default-src"] == ["'none'"] and policy(receipt)["img-src"] == ["data:"]
    # the customer's link (no account) opens the same receipt, with no script at all
    link = tech.post(f"/api/v1/work-orders/{order['id']}/receipt-link")
    assert link.status_code == 201, link.text
    public = httpx.get(link.json()["url"])
    assert public.status_code == 200 and public.headers["content-type"] == "text/html; charset=utf-8"
    assert policy(public)["frame-ancestors"] == ["'none'"] and public.headers["x-frame-options"] == "DENY"
    assert "script-src" not in policy(public) and policy(public)["default-src"] == ["'none'"]


def test_the_report_page_may_not_be_framed_and_runs_no_inline_script_but_its_print_button(as_user):
    page = as_user("boss").get("/api/v1/reports/monthly.html", params={"month": "2026-11", "site_id": "north"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert_not_frameable(page)
    assert_only_its_own_handlers_run(page)
