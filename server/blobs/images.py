"""Derived images, made once and cached beside the blobs: JPEG thumbnails and copies without EXIF.

Both apply the EXIF orientation, so a photo taken on its side is shown upright, and drop GPS and camera data.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Iterator

from PIL import Image, ImageOps

from server.blobs.store import BlobStore, check_pixels

# Long edge of a thumbnail: sharp on a phone list and on a printed receipt, a few tens of KB.
THUMB_PX = 480
_FORMATS = {"image/jpeg": ("JPEG", "jpg"), "image/png": ("PNG", "png"), "image/webp": ("WEBP", "webp")}
# Full decodes at once. Each is bounded by MAX_PIXELS (~200 MB with its copies); two keep a burst of
# thumbnail requests for new photos well under the service's memory, while cached results cost nothing.
DECODES_AT_ONCE = 2
_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """Open an image for decoding: refused past MAX_PIXELS (blobs stored before the bound too), and queued."""
    with _decoding:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                check_pixels(*img.size)
                yield img


def thumbnail(store: BlobStore, sha256: str) -> Path:
    """A small upright JPEG of the blob (no EXIF), made on first request."""
    cached = store.root / "thumbs" / f"{sha256}.jpg"
    if not cached.is_file():
        with _opened(store.local(sha256)) as img:
            img.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))  # JPEG: decode at a reduced scale, a fraction of the memory
            small = _upright(img)
            small.thumbnail((THUMB_PX, THUMB_PX))
            flat = _on_white(small.convert("RGBA")) if "A" in small.getbands() else small.convert("RGB")
            _save(flat, cached, "JPEG", quality=82)
    return cached


def without_metadata(store: BlobStore, sha256: str, media_type: str) -> Path:
    """The full image, upright, with EXIF (GPS, camera, owner) and text chunks removed; made on first request."""
    fmt, ext = _FORMATS[media_type]
    cached = store.root / "clean" / f"{sha256}.{ext}"
    if not cached.is_file():
        with _opened(store.local(sha256)) as img:
            icc = img.info.get("icc_profile")
            upright = _upright(img)
            options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
            if icc:
                options["icc_profile"] = icc  # colours, not personal data
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            _save(upright, cached, fmt, **options)
    return cached


def _upright(img: Image.Image) -> Image.Image:
    turned = ImageOps.exif_transpose(img)
    turned = turned if turned is not None else img
    turned.load()
    if turned.mode == "P":
        turned = turned.convert("RGBA")
    turned.info = {}  # some encoders copy EXIF and text from `info`; nothing personal may ride along
    return turned


def _on_white(img: Image.Image) -> Image.Image:
    back = Image.new("RGB", img.size, "white")
    back.paste(img, mask=img.getchannel("A"))
    return back


def _save(img: Image.Image, target: Path, fmt: str, **options: object) -> None:
    """Write through a temp file and rename, so a half-written cache entry is never served."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            img.save(out, fmt, **options)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
