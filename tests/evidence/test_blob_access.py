"""Knowing a photo's hash is not having it: naming another site's blob on one's own order (online, or through
a refused offline mutation that sync salvage keeps) opens neither the bytes, the thumbnail, the receipt nor
the order's `pending` flag; uploading the same bytes oneself does."""

from __future__ import annotations

from tests.evidence.flow import upload
from tests.evidence.photos import phone_photo, sha
from tests.live_server import new_order_args
from tests.sync.device import Device


def south_photo(as_user, world, seed: bytes) -> tuple[str, bytes]:
    """A photo of a south order, uploaded and attached by south's technician."""
    disp_south, tech_south = as_user("disp_south"), as_user("tech_south")
    args = new_order_args("south")
    disp_south.ok("create_work_order", **args)
    disp_south.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech_south"])
    data = phone_photo(seed=seed)
    upload(tech_south, data)
    tech_south.ok("attach_photo", work_order_id=args["id"], sha256=sha(data), kind="before", taken_at="2026-11-23T09:00:00Z")
    assert disp_south.get(f"/api/v1/blobs/{sha(data)}").content == data
    return args["id"], data


def test_a_dispatcher_naming_another_sites_photo_on_their_order_cannot_read_it(as_user, world):
    disp = as_user("disp")
    _, data = south_photo(as_user, world, b"garden-secret")
    url = f"/api/v1/blobs/{sha(data)}"
    mine = new_order_args("north")
    disp.ok("create_work_order", **mine)
    order = disp.ok("attach_photo", work_order_id=mine["id"], sha256=sha(data), kind="damage", taken_at="2026-11-23T09:30:00Z")
    assert order["photos"][0]["pending"] is True  # not even whether the bytes exist
    assert disp.get(url).status_code == 404 and disp.head(url).status_code == 404
    assert disp.get(url + "?thumb=1").status_code == 404
    receipt = disp.get(f"/api/v1/work-orders/{mine['id']}/receipt")
    assert receipt.status_code == 200 and "data:image" not in receipt.text
    assert disp.get(f"/api/v1/work-orders/{mine['id']}/verify").json()["blobs"]["checked"] == 0
    # Having the bytes is what counts: uploading them makes the reference good.
    upload(disp, data)
    assert disp.get(url).content == data
    assert disp.order(mine["id"])["photos"][0]["pending"] is False


def test_a_refused_offline_photo_kept_by_salvage_does_not_open_another_sites_blob(as_user, world):
    tech = as_user("tech")
    _, data = south_photo(as_user, world, b"garden-salvage")
    found = new_order_args("north")
    tech.ok("create_work_order", **found)  # found on site: the technician sees it but is not its assignee
    device = Device(tech)
    device.do("attach_photo", work_order_id=found["id"], sha256=sha(data), kind="damage", taken_at="2026-11-23T09:30:00Z")
    device.sync_up()
    rejections = device.pull()["rejections"]
    assert [r["code"] for r in rejections] == ["not_assignee"]
    assert [p["sha256"] for p in tech.order(found["id"])["photos"]] == [sha(data)]  # the fact is kept...
    assert tech.get(f"/api/v1/blobs/{sha(data)}").status_code == 404  # ...but opens nothing
    assert tech.get(f"/api/v1/blobs/{sha(data)}?thumb=1").status_code == 404


def test_a_consent_signature_named_by_someone_who_never_uploaded_it_opens_nothing(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    _, data = south_photo(as_user, world, b"garden-signature")
    mine = new_order_args("north")
    disp.ok("create_work_order", **mine)
    disp.ok("dispatch", work_order_id=mine["id"], technician_id=world.users["tech"])
    tech.ok("accept", work_order_id=mine["id"])
    tech.ok("arrive", work_order_id=mine["id"])
    tech.ok("confirm_scope", work_order_id=mine["id"], scope="Replace seal", labor_fee=100, material_fee=0, customer_name="Ms Li",
            consent_signature_sha256=sha(data))
    assert tech.get(f"/api/v1/blobs/{sha(data)}").status_code == 404
    assert disp.get(f"/api/v1/blobs/{sha(data)}").status_code == 404
