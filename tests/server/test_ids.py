"""Ids and hashes are validated whole: a trailing newline (`$` matches before one) never slips through,
in mutation arguments, sync client ids, site ids and blob names in the URL."""

from __future__ import annotations

import pytest

from server.ids import check_object_id, check_slug, new_id
from server.errors import Invalid
from tests.evidence.photos import phone_photo, sha
from tests.live_server import new_order_args


@pytest.mark.parametrize("value", ["01a231e7-5b69-78af-83aa-9599971121c8\n", "01ARZ3NDEKTSV4RRFFQ69G5FAV\n"])  # fixed: xdist workers must collect the same ids
def test_an_object_id_with_a_trailing_newline_is_invalid(value):
    with pytest.raises(Invalid):
        check_object_id(value)
    assert check_object_id(value.rstrip("\n")).lower() == value.rstrip("\n").lower()  # the same id without it is fine


def test_a_slug_with_a_trailing_newline_is_invalid():
    with pytest.raises(Invalid):
        check_slug("north\n", "site id")


def test_a_new_order_whose_id_ends_in_a_newline_is_refused(as_user):
    disp = as_user("disp")
    r = disp.mutate("create_work_order", **new_order_args(id=new_id() + "\n"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_id", r.text


def test_a_photo_hash_ending_in_a_newline_is_refused(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    r = tech.mutate("attach_photo", work_order_id=args["id"], sha256=sha(b"x") + "\n", kind="before", taken_at="2026-11-23T09:00:00Z")
    assert r.status_code == 422, r.text
    assert tech.order(args["id"])["photos"] == []


def test_a_sync_client_id_ending_in_a_newline_is_refused(as_user):
    tech = as_user("tech")
    r = tech.post("/api/v1/sync/pull", json={"client_id": "phone-1\n", "cookie": None})
    assert r.status_code == 400, r.text


def test_a_blob_name_with_an_encoded_newline_is_a_bad_name(as_user):
    tech = as_user("tech")
    data = phone_photo(seed=b"newline")
    name = sha(data) + "%0A"
    r = tech.put(f"/api/v1/blobs/{name}", content=data)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_blob_name", r.text
    r = tech.get(f"/api/v1/blobs/{name}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_blob_name", r.text


def test_a_report_month_with_a_trailing_newline_is_invalid(as_user):
    r = as_user("disp").get("/api/v1/reports/monthly", params={"month": "2026-01\n", "site_id": "north"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_month", r.text
