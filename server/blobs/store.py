"""Content-addressed files under the blob directory: `<root>/<aa>/<sha256>`, written only whole.

Bytes stream into a temp file while hashed and sniffed; fsync, rename and a directory fsync make a blob appear atomically.
With an object store (FIELDOPS_BLOB_URL) the blob is kept there under `blobs/<aa>/<sha256>` before it counts as
stored, and the directory is this instance's cache of it: what another instance stored is fetched on first read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from typing import TYPE_CHECKING

import msgspec
from PIL import Image, UnidentifiedImageError

from server.blobs.sniff import SNIFF_BYTES, media_type_of
from server.errors import BadRequest, Invalid, PayloadTooLarge, UnsupportedMediaType

if TYPE_CHECKING:  # boto3 loads only when an object store is configured
    from server.blobs.objects import ObjectStore

SHA256_NAME = re.compile(r"[0-9a-f]{64}")
# Read size when hashing a finished file (tus): large enough to be fast, small enough to keep memory flat.
READ_CHUNK = 1024 * 1024
# A temp file untouched this long belongs to no live upload (a PUT streams continuously) and is removed at start.
STALE_TMP_S = 3600.0
# Decoding costs memory by pixels, not by file size: a 657 KB PNG can say 13,000 x 13,000 and decode to 676 MB.
# The app sends photos resized to a few megapixels and signatures far smaller; 40 MP still admits a
# phone's full-resolution photo (48 MP sensors save 12 MP by default) and keeps one decode under ~200 MB.
MAX_PIXELS = 40_000_000


class Landed(msgspec.Struct, frozen=True):
    """A blob that is now stored whole, with what its bytes are."""

    sha256: str
    size: int
    media_type: str
    width: int | None
    height: int | None


def check_name(sha256: str) -> str:
    """A blob name is 64 lower-case hex digits; anything else (`..`, slashes, upper case) is 400."""
    if not isinstance(sha256, str) or not SHA256_NAME.fullmatch(sha256):
        raise BadRequest("a blob is named by the lower-case hex SHA-256 of its bytes (64 characters)", code="invalid_blob_name")
    return sha256


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def object_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


class BlobStore:
    def __init__(self, root: Path, max_bytes: int, objects: "ObjectStore | None" = None) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.objects = objects
        self.tmp_dir = root / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.sweep_tmp()

    def sweep_tmp(self, older_than_s: float = STALE_TMP_S) -> None:
        """Remove temp files a crashed upload left behind (they never became blobs)."""
        cutoff = time.time() - older_than_s
        for leftover in self.tmp_dir.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()

    def path(self, sha256: str) -> Path:
        check_name(sha256)
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file() or (self.objects is not None and self.objects.exists(object_name(sha256)))

    def local(self, sha256: str) -> Path:
        """A file with the blob's bytes, fetched from the object store into the cache when this instance has none;
        the returned path does not exist when the bytes are nowhere."""
        final = self.path(sha256)
        if self.objects is None or final.is_file():
            return final
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="get-")
        os.close(fd)
        tmp = Path(name)
        try:
            if self.objects.get_file(object_name(sha256), tmp):
                final.parent.mkdir(exist_ok=True)
                os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def stored_chunks(self, sha256: str):  # type: ignore[no-untyped-def]
        """The blob's bytes where they are kept for good (the object store, else the file), or None when missing."""
        if self.objects is not None:
            return self.objects.chunks(object_name(sha256))
        path = self.path(sha256)
        if not path.is_file():
            return None

        def read() -> "Iterator[bytes]":
            with open(path, "rb") as f:
                while chunk := f.read(READ_CHUNK):
                    yield chunk

        return read()

    def writer(self, expected_sha256: str) -> "BlobWriter":
        return BlobWriter(self, check_name(expected_sha256))

    def adopt(self, src: Path, expected_sha256: str) -> Landed:
        """Make a finished file (a completed tus upload) the blob it claims to be: hashed in place, then renamed."""
        check_name(expected_sha256)
        digest, size, head = hashlib.sha256(), 0, b""
        with open(src, "rb") as f:
            while chunk := f.read(READ_CHUNK):
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                size += len(chunk)
            os.fsync(f.fileno())
        if size > self.max_bytes:
            raise PayloadTooLarge(f"a blob may be at most {self.max_bytes} bytes", code="blob_too_large")
        media_type = media_type_of(head)
        if digest.hexdigest() != expected_sha256:
            raise Invalid(f"the bytes hash to {digest.hexdigest()}, not to the name {expected_sha256}", code="hash_mismatch")
        width, height = image_size(src)
        if self.exists(expected_sha256):
            src.unlink(missing_ok=True)
        else:
            self.place(src, expected_sha256)
        return Landed(expected_sha256, size, media_type, width, height)

    def place(self, tmp: Path, sha256: str) -> None:
        if self.objects is not None:  # kept for good before it is acknowledged; then cached here
            self.objects.put_file(tmp, object_name(sha256))
        final = self.path(sha256)
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp, final)
        fsync_dir(final.parent)


class BlobWriter:
    """Receives one blob's bytes in chunks; `finish` checks hash and type and stores it, anything else discards it."""

    def __init__(self, store: BlobStore, expected_sha256: str) -> None:
        self.store = store
        self.expected = expected_sha256
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.media_type: str | None = None
        fd, name = tempfile.mkstemp(dir=store.tmp_dir, prefix="in-")
        self.tmp = Path(name)
        self.file = os.fdopen(fd, "wb")

    def __enter__(self) -> "BlobWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.store.max_bytes:
            raise PayloadTooLarge(f"a blob may be at most {self.store.max_bytes} bytes", code="blob_too_large")
        if self.media_type is None:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.media_type = media_type_of(self.head)  # refuse a wrong type before storing 25 MB of it
        self.digest.update(chunk)
        self.file.write(chunk)

    def finish(self) -> Landed:
        if self.media_type is None:
            self.media_type = media_type_of(self.head)
        actual = self.digest.hexdigest()
        if actual != self.expected:
            raise Invalid(f"the bytes hash to {actual}, not to the name {self.expected}", code="hash_mismatch")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        width, height = image_size(self.tmp)
        if self.store.exists(self.expected):
            self.tmp.unlink(missing_ok=True)  # identical bytes are already stored
        else:
            self.store.place(self.tmp, self.expected)
        return Landed(self.expected, self.size, self.media_type, width, height)

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        self.tmp.unlink(missing_ok=True)


def image_size(path: Path) -> tuple[int, int]:
    """Width and height from the header (nothing is decoded); unreadable is 415, more than MAX_PIXELS is 422."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we judge the size ourselves, below
            with Image.open(path) as img:
                size = img.size
                img.verify()
    except Image.DecompressionBombError:
        raise Invalid(f"the image has far more than {MAX_PIXELS // 1_000_000} megapixels", code="image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType(f"the image cannot be read: {exc}", code="unreadable_image") from None
    check_pixels(*size)
    return size


def check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise Invalid(f"the image is {width} x {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels are accepted",
                      code="image_too_large")
