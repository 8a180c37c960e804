"""Security headers of the HTML the server sends: the PWA shell, the printable receipt and the report page.

Each page gets the narrowest Content-Security-Policy its content needs, and none may be framed by another site.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["PWA_HEADERS", "PRINTABLE_HEADERS", "PRINT_HANDLER"]


def _script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


# The printable pages' only script is the print button, `onclick="window.print()"`: 'unsafe-hashes' with
# its hash allows exactly that handler, so an injected `<script>` or any other handler still does not run.
PRINT_HANDLER = _script_hash("window.print()")

_COMMON = {
    "X-Frame-Options": "DENY",  # for browsers without CSP frame-ancestors
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# The app: its own scripts and styles, photos shown from blob: and data: URLs, the API on its own origin.
# Inline styles are allowed because the receipt the app shows in a sandboxed frame inherits this policy
# (its <style> block and the print handler are what it needs); a style cannot run code.
PWA_CSP = "; ".join([
    "default-src 'self'",
    f"script-src 'self' 'unsafe-hashes' {PRINT_HANDLER}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# Receipt and monthly report: self-contained pages (inline CSS, images and SVG as data), nothing fetched.
PRINTABLE_CSP = "; ".join([
    "default-src 'none'",
    "img-src data:",
    "style-src 'unsafe-inline'",
    f"script-src 'unsafe-hashes' {PRINT_HANDLER}",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])

PWA_HEADERS = {"Content-Security-Policy": PWA_CSP, **_COMMON}
PRINTABLE_HEADERS = {"Content-Security-Policy": PRINTABLE_CSP, **_COMMON}
