"""What an upload is, decided by its first bytes (never by a Content-Type header): JPEG, PNG or WebP.

iPhone HEIC/HEIF photos are refused with their own code so the app can tell the user to send JPEG.
"""

from __future__ import annotations

from server.errors import UnsupportedMediaType

# Enough bytes to recognise every accepted format and HEIC's `ftyp` box.
SNIFF_BYTES = 32

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def media_type_of(head: bytes) -> str:
    """The media type of a file starting with `head`, or 415 for anything but JPEG, PNG and WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        raise UnsupportedMediaType(
            "HEIC/HEIF photos are not accepted; send JPEG (iPhone: Settings > Camera > Formats > Most Compatible)",
            code="heic_not_supported")
    raise UnsupportedMediaType("only JPEG, PNG and WebP images are accepted (checked by content)", code="unsupported_media_type")
