"""What is served of a photo: staff of the order's site get the original; anyone else sees it upright and
without GPS or camera data (a technician moved to another site who still holds the order, a printed receipt)."""

from __future__ import annotations

import io
import time

from PIL import Image, ExifTags

from server.auth import TOKEN_CACHE_S
from tests import backend
from tests.evidence.flow import upload
from tests.evidence.photos import GPS_NORTH, phone_photo, sha
from tests.live_server import new_order_args


def test_a_technician_moved_off_the_site_sees_their_orders_photo_without_gps(start_server):
    server = start_server()
    disp, tech = server.login("disp"), server.login("tech")
    try:
        data = phone_photo(width=300, height=100, seed=b"moved")
        assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == GPS_NORTH
        args = new_order_args()
        disp.ok("create_work_order", **args)
        disp.ok("dispatch", work_order_id=args["id"], technician_id=tech.user["id"])
        upload(tech, data)
        tech.ok("attach_photo", work_order_id=args["id"], sha256=sha(data), kind="before", taken_at="2026-11-23T09:00:00Z")
        assert tech.get(f"/api/v1/blobs/{sha(data)}").content == data  # staff of the site: the original, GPS and all
        with backend.connect(server.data_dir / "fieldops.db") as db:
            db.execute("DELETE FROM user_sites WHERE user_id = ?", (tech.user["id"],))
        # Behind the server's back: its cached session is trusted for TOKEN_CACHE_S, so the move shows within that.
        deadline = time.monotonic() + TOKEN_CACHE_S + 5
        while (r := tech.get(f"/api/v1/blobs/{sha(data)}")).content == data and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.status_code == 200 and r.content != data and r.headers["content-type"] == "image/jpeg"
        shown = Image.open(io.BytesIO(r.content))
        exif = shown.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif
        assert shown.size == (100, 300)  # orientation applied, not merely dropped
        assert disp.get(f"/api/v1/blobs/{sha(data)}").content == data
    finally:
        disp.close()
        tech.close()
