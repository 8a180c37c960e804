"""A customer's receipt link: handed out by the service centre or the technician, opened with no account.

`POST/DELETE /api/v1/work-orders/{id}/receipt-link` (CONTRACT.md "Sign-off") and the public `GET /r/{token}`.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter

from server.domain.actor import Actor
from server.errors import TooManyRequests
from server.http.deps import AUTHENTICATED, SERVICES
from server.http.routes.evidence import pdf_response
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.evidence import ReceiptLink
from server.receipt import choose_language, receipt_facts, render_receipt
from server.receipt_links import create_link, link_reader, revoke_links
from server.receipt_pdf import render_receipt_pdf
from server.services import Services

# A customer opens their receipt a few times; guessing 256-bit tokens is hopeless, but a scan of the
# route still costs renders, so each address gets this many opens a minute. The table is bounded so a
# crowd of addresses cannot grow it without end.
OPENS_PER_MINUTE = 30
TRACKED_ADDRESSES = 10_000
RECEIPT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class _OpenLimit:
    def __init__(self) -> None:
        self.seen: OrderedDict[str, list[float]] = OrderedDict()

    def check(self, address: str) -> None:
        moment = time.monotonic()
        recent = [t for t in self.seen.pop(address, []) if moment - t < 60] + [moment]
        self.seen[address] = recent
        while len(self.seen) > TRACKED_ADDRESSES:
            self.seen.popitem(last=False)
        if len(recent) > OPENS_PER_MINUTE:
            raise TooManyRequests("too many receipts opened from this address; try again in a minute", code="too_many_requests",
                                  retry_after=60)


_limit = _OpenLimit()


class ReceiptLinkController(Controller):
    path = "/api/v1/work-orders"
    tags = ["evidence"]
    dependencies = AUTHENTICATED

    @post("/{work_order_id:str}/receipt-link", operation_id="createReceiptLink", responses=errors(403, 404, 409), sync_to_thread=True, status_code=201)
    def create(self, work_order_id: str, request: Request, services: Services, actor: Actor) -> ReceiptLink:
        """A link and its QR code (`{"url", "expires_at", "qr_svg"}`) that open this order's receipt with no account, read only, for FIELDOPS_RECEIPT_LINK_DAYS.

        `qr_svg` is the link as a QR code (SVG from segno, error correction M) for the customer's phone camera.
        """
        return answer(ReceiptLink, create_link(services.store, actor, work_order_id, services.settings.receipt_link_days, str(request.base_url)))

    @delete("/{work_order_id:str}/receipt-link", operation_id="revokeReceiptLinks", responses=errors(403, 404), sync_to_thread=True, status_code=204)
    def revoke(self, work_order_id: str, services: Services, actor: Actor) -> None:
        """Revoke every open receipt link of this order (sent to the wrong person); the links answer 404 from now on."""
        revoke_links(services.store, actor, work_order_id)


class PublicReceiptController(Controller):
    path = "/r"
    tags = ["evidence"]
    dependencies = SERVICES

    @get("/{token:str}", operation_id="openReceiptLink", responses=errors(404, 429, public=True), sync_to_thread=True, media_type="text/html")
    def open(self, token: str, request: Request, services: Services,
             lang: str | None = Parameter(default=None, description="zh (default) or en; else Accept-Language")) -> Response[str]:
        """The customer's receipt behind a link (no account): 404 for a wrong, expired or revoked token."""
        _limit.check(request.client.host if request.client else "?")
        reader, work_order_id = services.read(link_reader, token)
        language = choose_language(lang, request.headers.get("accept-language"))
        facts = services.read(receipt_facts, reader, work_order_id, services.settings.company_tz)
        body = render_receipt(facts, language, services.settings, pdf_href=f"/r/{token}/pdf?lang={language}")
        return Response(body, media_type="text/html", headers={  # Litestar appends the charset itself
            "Content-Language": "zh-CN" if language == "zh" else "en", "Vary": "Accept-Language",
            "Content-Security-Policy": RECEIPT_CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
            "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})

    @get("/{token:str}/pdf", operation_id="openReceiptLinkPdf", responses=errors(404, 429, 503, public=True), sync_to_thread=True, media_type="application/pdf")
    def open_pdf(self, token: str, request: Request, services: Services,
                 lang: str | None = Parameter(default=None, description="zh (default) or en; else Accept-Language")) -> Response[bytes]:
        """The customer's receipt behind a link as a PDF to keep: 404 for a wrong, expired or revoked token."""
        _limit.check(request.client.host if request.client else "?")
        reader, work_order_id = services.read(link_reader, token)
        language = choose_language(lang, request.headers.get("accept-language"))
        facts = services.read(receipt_facts, reader, work_order_id, services.settings.company_tz)
        response = pdf_response(render_receipt_pdf(facts, language, services.settings), work_order_id, language)
        response.headers.update({"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"})
        return response
