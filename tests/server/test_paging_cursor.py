"""The work-order list's paging cursor does not tell whether an order of another site exists."""

from __future__ import annotations

from server.ids import new_id
from tests.live_server import new_order_args


def test_a_cursor_naming_another_sites_order_answers_like_an_unknown_id(as_user):
    disp, disp_south = as_user("disp"), as_user("disp_south")
    theirs = new_order_args("south")
    disp_south.ok("create_work_order", **theirs)
    foreign = disp.get("/api/v1/work-orders", params={"after": theirs["id"]})
    unknown = disp.get("/api/v1/work-orders", params={"after": new_id()})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_cursor"
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (unknown.status_code, "invalid_cursor"), foreign.text
    # The owner's own cursor still pages.
    assert disp_south.get("/api/v1/work-orders", params={"after": theirs["id"]}).status_code == 200
