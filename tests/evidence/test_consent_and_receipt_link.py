"""Consent before paid work and the customer's receipt link, over real HTTP: paid work needs the customer's
consent signature unless the company turns that off; a link opens one receipt with no account, and only
while it is valid."""

from __future__ import annotations

import httpx

from tests.evidence.flow import completed_order
from tests.live_server import new_order_args


def on_site(disp, tech, tech_id):
    args = new_order_args("north")
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=tech_id)
    tech.ok("accept", work_order_id=args["id"])
    tech.ok("arrive", work_order_id=args["id"])
    return args["id"]


def test_paid_work_without_the_customers_consent_signature_is_refused_and_free_work_needs_none(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    wo = on_site(disp, tech, world.users["tech"])
    r = tech.mutate("confirm_scope", work_order_id=wo, scope="Replace cartridge", labor_fee=5000, material_fee=0, customer_name="Ms Wang")
    assert r.status_code == 422 and r.json()["error"]["code"] == "consent_signature_required", r.text
    assert tech.order(wo)["status"] == "on_site"
    free = tech.ok("confirm_scope", work_order_id=wo, scope="Tighten the nut", labor_fee=0, material_fee=0, customer_name="Ms Wang")
    assert free["status"] == "in_progress"


def test_with_consent_signatures_optional_paid_work_may_start_on_the_customers_word(start_server):
    server = start_server({"FIELDOPS_CONSENT_SIGNATURE": "optional"})
    disp, tech = server.login("disp"), server.login("tech")
    wo = on_site(disp, tech, tech.user["id"])
    order = tech.ok("confirm_scope", work_order_id=wo, scope="Replace cartridge", labor_fee=5000, material_fee=0, customer_name="Ms Wang")
    assert order["status"] == "in_progress"


def test_a_receipt_link_opens_that_one_receipt_with_no_account_until_revoked(live, as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    r = tech.post(f"/api/v1/work-orders/{order['id']}/receipt-link")
    assert r.status_code == 201, r.text
    link = r.json()
    assert set(link) == {"url", "expires_at", "qr_svg"} and link["expires_at"].endswith("Z")
    stranger = httpx.Client()  # a fresh browser on the customer's phone: no token
    page = stranger.get(link["url"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Ms Wang" in page.text and order["title"] in page.text  # the customer's own name is on their copy
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"] and "script" not in page.headers["content-security-policy"]
    token = link["url"].rsplit("/", 1)[1]
    assert stranger.get(link["url"][:-1] + ("A" if token[-1] != "A" else "B")).status_code == 404  # a wrong token
    assert stranger.get(link["url"] + "/x").status_code == 404  # nothing else lives under it
    assert stranger.get(f"{live.url}/api/v1/work-orders/{order['id']}").status_code == 401  # the link is no login
    # another site's dispatcher cannot mint a link to this order
    assert as_user("disp_south").post(f"/api/v1/work-orders/{order['id']}/receipt-link").status_code == 404
    assert disp.delete(f"/api/v1/work-orders/{order['id']}/receipt-link").status_code == 204
    assert stranger.get(link["url"]).status_code == 404
    stranger.close()


def test_an_expired_receipt_link_is_refused(start_server):
    server = start_server({"FIELDOPS_RECEIPT_LINK_DAYS": "0"})
    disp, tech = server.login("disp"), server.login("tech")
    order = completed_order(disp, tech, tech.user["id"])
    link = tech.post(f"/api/v1/work-orders/{order['id']}/receipt-link").json()
    assert httpx.get(link["url"]).status_code == 404
