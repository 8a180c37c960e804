"""The receipt the customer keeps, over real HTTP: a PDF (customer's name, every time of the procedure, the short
verification code and the full hash), from the link with no account and for staff with their token; the link's QR
code decodes to the link; a refusal recorded by the technician on the customer's behalf is marked as such."""

from __future__ import annotations

import io
import re

import httpx
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.evidence.flow import completed_order, document_hash, sign, upload
from tests.evidence.photos import signature_png


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_receipt_pdf_opens_from_the_link_with_the_customers_name_and_every_time(live, as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"], title="Kitchen tap dripping")
    assert sign(tech, order, upload(tech, signature_png(b"pdf"))).status_code == 200
    link = tech.post(f"/api/v1/work-orders/{order['id']}/receipt-link").json()
    stranger = httpx.Client(timeout=30)  # the customer's phone: no account (a PDF takes a second or two to render)
    try:
        page = stranger.get(link["url"])
        assert page.status_code == 200 and "/pdf?lang=zh" in page.text
        r = stranger.get(link["url"] + "/pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"] == f'attachment; filename="receipt-{order["id"]}.pdf"'
        text = pdf_text(r.content)
        for shown in ("维修服务通知单", "王女士", "Ms Wang", "Kitchen tap dripping", "¥85.00", "登记时间", "接单时间", "到场时间", "完工时间",
                      "签名时间", "北京时间", document_hash(order)[:8].upper()[:4]):
            assert shown in text, (shown, text)
        # the 64 hex digits are all there (a line break may fall inside them)
        assert document_hash(order) in text.replace("\n", "")
        assert "Taken" in pdf_text(stranger.get(link["url"] + "/pdf?lang=en").content)
        token = link["url"].rsplit("/", 1)[1]
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        refused = stranger.get(link["url"].replace(token, wrong) + "/pdf")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "receipt_not_found"
    finally:
        stranger.close()


def test_staff_download_the_pdf_with_their_token_and_strangers_get_nothing(live, as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    sign(tech, order, upload(tech, signature_png(b"staff")))
    r = disp.get(f"/api/v1/work-orders/{order['id']}/receipt.pdf?lang=en")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = pdf_text(r.content)
    assert "Repair Service Receipt" in text and "王女士" in text and "Verification code" in text
    assert httpx.get(f"{live.url}/api/v1/work-orders/{order['id']}/receipt.pdf", timeout=30).status_code == 401
    assert as_user("disp_south").get(f"/api/v1/work-orders/{order['id']}/receipt.pdf").status_code == 404


def test_the_links_qr_code_decodes_to_the_link(live, as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    link = tech.post(f"/api/v1/work-orders/{order['id']}/receipt-link").json()
    svg = link["qr_svg"]
    assert svg.startswith("<svg xmlns=") and "<script" not in svg
    # Rasterise the SVG's modules (segno draws each dark row run as `h` segments of one path) and decode the picture.
    decoded = zxingcpp.read_barcodes(raster(svg))
    assert [b.text for b in decoded] == [link["url"]]


def raster(svg: str, scale: int = 8) -> Image.Image:
    """The QR symbol's modules from segno's path (`M x y.5 h n m dx dy ...`): a picture a decoder reads as a camera would."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    image = Image.new("L", (size * scale, size * scale), 255)
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a)
            row = int(y - 0.5)
            for col in range(int(x), int(x + run)):
                image.paste(0, (col * scale, row * scale, (col + 1) * scale, (row + 1) * scale))
            x += run
    return image


def test_a_refusal_recorded_for_the_customer_is_marked_on_the_order_and_the_receipt(live, as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    args = dict(work_order_id=order["id"], signer_name="王女士", signature_sha256=None, accepted=False, comment="水还在滴",
                document_sha256=document_hash(order), signed_at="2026-11-23T11:00:00Z", on_behalf=True)
    refused = tech.ok("sign_off", **args)
    assert refused["status"] == "disputed" and refused["signature"]["on_behalf"] is True
    html = disp.get(f"/api/v1/work-orders/{order['id']}/receipt").text
    assert "由维修人员代客户记录" in html and "水还在滴" in html
    assert "recorded by the technician" in pdf_text(disp.get(f"/api/v1/work-orders/{order['id']}/receipt.pdf?lang=en").content)


def test_an_acceptance_cannot_be_recorded_on_the_customers_behalf(live, as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    r = tech.mutate("sign_off", work_order_id=order["id"], signer_name="王女士", signature_sha256=upload(tech, signature_png(b"x")),
                    accepted=True, document_sha256=document_hash(order), signed_at="2026-11-23T11:00:00Z", on_behalf=True)
    assert r.status_code == 422 and r.json()["error"]["code"] == "on_behalf_refusal_only"
    assert tech.order(order["id"])["status"] == "completed"
