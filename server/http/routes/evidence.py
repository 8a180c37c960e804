"""Evidence of a work order: the printable receipt (HTML) and the integrity check of what was signed.

`GET /api/v1/work-orders/{id}/receipt` (?lang=en|zh), its PDF `.../receipt.pdf`, and `GET /api/v1/work-orders/{id}/verify` (CONTRACT.md "Sign-off").
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from server.blobs import blob_store
from server.blobs.integrity import evidence_to_verify, verify_evidence
from server.domain.actor import Actor
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.evidence import Verification
from server.http.security_headers import PRINTABLE_HEADERS
from server.receipt import choose_language, receipt_facts, render_receipt
from server.receipt_pdf import filename, render_receipt_pdf
from server.services import Services


class EvidenceController(Controller):
    path = "/api/v1/work-orders"
    tags = ["evidence"]
    dependencies = AUTHENTICATED

    @get("/{work_order_id:str}/receipt", operation_id="getReceipt", responses=errors(404), sync_to_thread=True, media_type="text/html")
    def receipt(self, work_order_id: str, request: Request, services: Services, actor: Actor,
                lang: str | None = Parameter(default=None, description="zh (default) or en; else Accept-Language")) -> Response[str]:
        """The printable receipt (维修服务通知单): order, scope and fees, photos, signature, times and document hash."""
        language = choose_language(lang, request.headers.get("accept-language"))
        body = render_receipt(services.read(receipt_facts, actor, work_order_id, services.settings.company_tz), language, services.settings)
        # media_type without charset: Litestar appends `; charset=utf-8` to text types itself.
        return Response(body, media_type="text/html", headers={
            "Content-Language": "zh-CN" if language == "zh" else "en", "Vary": "Accept-Language",
            **PRINTABLE_HEADERS, "Cache-Control": "private, no-store"})

    @get("/{work_order_id:str}/receipt.pdf", operation_id="getReceiptPdf", responses=errors(404, 503), sync_to_thread=True, media_type="application/pdf")
    def receipt_pdf(self, work_order_id: str, request: Request, services: Services, actor: Actor,
                    lang: str | None = Parameter(default=None, description="zh (default) or en; else Accept-Language")) -> Response[bytes]:
        """The receipt as an A4 PDF to download (fpdf2, a CJK font); the same facts and privacy rules as the HTML receipt."""
        language = choose_language(lang, request.headers.get("accept-language"))
        facts = services.read(receipt_facts, actor, work_order_id, services.settings.company_tz)
        return pdf_response(render_receipt_pdf(facts, language, services.settings), work_order_id, language)

    @get("/{work_order_id:str}/verify", operation_id="verifyWorkOrder", responses=errors(404), sync_to_thread=True)
    def verify(self, work_order_id: str, services: Services, actor: Actor) -> Verification:
        """Check the evidence: the signed document's hash recomputed, the audit chain, and the stored photo bytes.

        Answers `{"valid", "document_sha256", "signed_document_sha256", "signed", "chain", "blobs", "problems"}`.
        """
        evidence = services.read(evidence_to_verify, actor, work_order_id)
        return answer(Verification, verify_evidence(evidence, blob_store(services.settings)))


def pdf_response(body: bytes, work_order_id: str, language: str) -> Response[bytes]:
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename(work_order_id)}"', "Content-Language": "zh-CN" if language == "zh" else "en",
        "Vary": "Accept-Language", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
