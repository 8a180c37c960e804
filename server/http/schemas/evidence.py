"""Evidence answers: a stored blob, the integrity check of a signed order, a customer's receipt link."""

from __future__ import annotations

from server.http.schemas import Answer


class Blob(Answer):
    sha256: str
    size: int
    media_type: str
    width: int | None
    height: int | None


class ChainCheck(Answer):
    valid: bool
    events: int
    broken_at: int | None


class BlobCheck(Answer):
    checked: int
    damaged: list[str]


class Verification(Answer):
    """`valid` when the signed document's hash, the audit chain and every stored photo's bytes all check out."""

    valid: bool
    document_sha256: str | None
    signed_document_sha256: str | None
    signed: bool
    chain: ChainCheck
    problems: list[str]
    blobs: BlobCheck


class ReceiptLink(Answer):
    url: str
    expires_at: str
    qr_svg: str  # the link as a QR code (SVG)
