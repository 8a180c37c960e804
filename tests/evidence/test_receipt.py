"""The printable receipt (维修服务通知单): Chinese by default, English on request, every stored text escaped,
the photos and signature embedded without EXIF, and the signed document's hash printed."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image, ExifTags

from tests.evidence.flow import completed_order, document_hash, sign, upload
from tests.evidence.photos import signature_png

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_the_receipt_escapes_every_stored_text(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"], title=f"Tap {EVIL}", unit='3-1201"><b>', description=EVIL, summary=f"Done {EVIL}")
    sig = upload(tech, signature_png(b"evil"))
    tech.mutate("sign_off", work_order_id=order["id"], signer_name=EVIL[:200], signature_sha256=sig, accepted=False, comment=EVIL,
                document_sha256=document_hash(order), signed_at="2026-11-23T11:00:00Z")
    r = disp.get(f"/api/v1/work-orders/{order['id']}/receipt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<script>alert" not in page and "onerror=alert(1)>" not in page and '"><b>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert page.count("<script") == 0


def test_the_receipt_is_in_chinese_by_default_and_in_english_on_request(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    sig = signature_png(b"receipt")
    signature = upload(tech, sig)
    sign(tech, order, signature)
    zh = disp.get(f"/api/v1/work-orders/{order['id']}/receipt").text
    assert "维修服务通知单" in zh and "¥50.00" in zh and "¥85.00" in zh and "王女士" in zh and document_hash(order) in zh
    assert 'lang="zh-CN"' in zh
    en = disp.get(f"/api/v1/work-orders/{order['id']}/receipt?lang=en").text
    assert "Repair Service Receipt" in en and "Replace tap cartridge" in en and document_hash(order) in en
    by_header = disp.get(f"/api/v1/work-orders/{order['id']}/receipt", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Repair Service Receipt" in by_header
    images = re.findall(r'src="data:(image/[a-z]+);base64,([^"]+)"', zh)
    assert len(images) == 2  # the cleanup photo and the signature, embedded so the page prints alone
    for media_type, payload in images:
        img = Image.open(io.BytesIO(base64.b64decode(payload)))
        assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert as_user("disp_south").get(f"/api/v1/work-orders/{order['id']}/receipt").status_code == 404
