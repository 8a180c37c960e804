"""Resumable uploads, tus 1.0 (core, creation, termination, checksum, expiration): one data file and one
info file per upload under `<blobs>/uploads/`; the offset is the data file's size, so a restart loses nothing.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import os
import re
import secrets
import threading
import time
from pathlib import Path

import msgspec

from server.blobs.store import check_name, fsync_dir
from server.errors import AppError, BadRequest, Conflict, NotFound, PayloadTooLarge

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


class ChecksumMismatch(AppError):
    """tus checksum extension: the PATCH body does not match Upload-Checksum (status 460 by the spec)."""

    status = 460
    code = "checksum_mismatch"


class Upload(msgspec.Struct, frozen=True):
    id: str
    owner_id: str
    length: int
    sha256: str
    metadata: dict[str, str]
    created_at: float
    # Not stored: the data file's mtime (its last PATCH) + expire_s, so a PATCH never rewrites the info file.
    expires_at: float = 0.0


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata: key base64value,key2 base64value2` → {key: value}; a bad header is 400."""
    found: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value.strip() else ""
        except (binascii.Error, UnicodeDecodeError):
            raise BadRequest(f"Upload-Metadata value of {key!r} is not base64 UTF-8", code="invalid_upload_metadata") from None
    return found


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadRequest(f"Upload-Checksum algorithm must be one of {', '.join(CHECKSUM_ALGORITHMS)}", code="checksum_algorithm")
    try:
        return algorithm, base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        raise BadRequest("Upload-Checksum value is not base64", code="invalid_checksum") from None


class UploadQuotaExceeded(AppError):
    """A user's unfinished uploads are at their quota; finishing or terminating one frees room (so 429, not 413)."""

    status = 429
    code = "upload_quota_exceeded"


class UploadArea:
    """The uploads of every user; an upload is visible only to the user who created it.

    Each user may have at most `max_open` unfinished uploads reserving at most `max_in_flight` bytes (their
    Upload-Length), so one account cannot fill the disk with empty reservations.
    """

    def __init__(self, root: Path, max_bytes: int, expire_s: float, max_open: int = 20, max_in_flight: int = 256 * 1024 * 1024) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.expire_s = expire_s
        self.max_open, self.max_in_flight = max_open, max_in_flight
        self._creating = threading.Lock()  # counting and creating are one step, or parallel creations overshoot
        root.mkdir(parents=True, exist_ok=True)

    def data_path(self, upload_id: str) -> Path:
        return self.root / upload_id

    def _info_path(self, upload_id: str) -> Path:
        return self.root / f"{upload_id}.json"

    def create(self, owner_id: str, length: int | None, metadata: dict[str, str]) -> Upload:
        if length is None or length < 0:
            raise BadRequest("send Upload-Length (deferred lengths are not supported)", code="upload_length_required")
        if length > self.max_bytes:
            raise PayloadTooLarge(f"a blob may be at most {self.max_bytes} bytes", code="blob_too_large")
        sha256 = check_name(metadata.get("sha256", ""))
        with self._creating:
            self.sweep()
            open_ = self._open_of(owner_id)
            if len(open_) >= self.max_open:
                raise UploadQuotaExceeded(f"{len(open_)} unfinished uploads are open (at most {self.max_open}); finish or terminate one first",
                                          code="too_many_open_uploads")
            if sum(u.length for u in open_) + length > self.max_in_flight:
                raise UploadQuotaExceeded(f"unfinished uploads may reserve at most {self.max_in_flight} bytes in all; finish or terminate one first")
            now = time.time()
            upload = Upload(secrets.token_hex(16), owner_id, length, sha256, metadata, now)
            self.data_path(upload.id).touch()
            self._save(upload)
        return self._with_expiry(upload, now)

    def _open_of(self, owner_id: str) -> list[Upload]:
        """The user's unfinished uploads (sweep has just removed the expired ones)."""
        found = []
        for info in self.root.glob("*.json"):
            try:
                upload = msgspec.json.decode(info.read_bytes(), type=Upload)
            except (OSError, msgspec.DecodeError):
                continue
            if upload.owner_id == owner_id:
                found.append(upload)
        return found

    def get(self, owner_id: str, upload_id: str) -> tuple[Upload, int]:
        """The upload and its offset; 404 for unknown, foreign or expired (which are removed)."""
        if not UPLOAD_ID.fullmatch(upload_id):
            raise NotFound("no such upload", code="upload_not_found")
        try:
            upload = msgspec.json.decode(self._info_path(upload_id).read_bytes(), type=Upload)
            data = self.data_path(upload_id).stat()
        except (FileNotFoundError, msgspec.DecodeError):
            raise NotFound("no such upload", code="upload_not_found") from None
        if upload.owner_id != owner_id:
            raise NotFound("no such upload", code="upload_not_found")
        upload = self._with_expiry(upload, data.st_mtime)
        if upload.expires_at < time.time():
            self.remove(upload_id)
            raise NotFound("the upload expired; start a new one", code="upload_expired")
        return upload, data.st_size

    def finished_file(self, upload: Upload) -> Path:
        """The whole upload as one local file, for the blob store to check and adopt."""
        return self.data_path(upload.id)

    def appender(self, upload: Upload, offset: int, checksum: tuple[str, bytes] | None) -> "Appender":
        return Appender(self, upload, offset, checksum)

    def _with_expiry(self, upload: Upload, last_write: float) -> Upload:
        """Activity keeps an upload alive: it expires `expire_s` after its last PATCH (or its creation)."""
        return msgspec.structs.replace(upload, expires_at=max(last_write, upload.created_at) + self.expire_s)

    def expiry_after_write(self, upload: Upload) -> Upload:
        return self._with_expiry(upload, time.time())

    def remove(self, upload_id: str) -> None:
        self._info_path(upload_id).unlink(missing_ok=True)
        self.data_path(upload_id).unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete expired uploads (and data files whose info is gone); returns how many went."""
        removed, now = 0, time.time()
        for info in self.root.glob("*.json"):
            try:
                upload = msgspec.json.decode(info.read_bytes(), type=Upload)
                expired = self._with_expiry(upload, self.data_path(upload.id).stat().st_mtime).expires_at < now
            except (OSError, msgspec.DecodeError):
                expired = True
            if expired:
                self.remove(info.stem)
                removed += 1
        for data in self.root.iterdir():
            if UPLOAD_ID.fullmatch(data.name) and not self._info_path(data.name).exists():
                data.unlink(missing_ok=True)
        return removed

    def _save(self, upload: Upload) -> None:
        tmp = self.root / f".{upload.id}.json.tmp"
        with open(tmp, "wb") as f:
            f.write(msgspec.json.encode(msgspec.structs.replace(upload, expires_at=0.0)))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._info_path(upload.id))
        fsync_dir(self.root)


class Appender:
    """One PATCH: appends at the claimed offset under an exclusive lock; bytes that arrived are kept and fsynced
    even when the connection drops (that is what makes the upload resumable), unless a checksum was promised."""

    def __init__(self, area: UploadArea, upload: Upload, offset: int, checksum: tuple[str, bytes] | None) -> None:
        self.upload = upload
        self.checksum = checksum
        self.hasher = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
        self.file = open(area.data_path(upload.id), "r+b")
        try:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise Conflict("another request is writing this upload", code="upload_busy") from None
        self.start = os.fstat(self.file.fileno()).st_size
        if offset != self.start:
            self.file.close()
            raise Conflict(f"Upload-Offset is {offset} but the server has {self.start} bytes", code="offset_mismatch", offset=self.start)
        self.file.seek(self.start)
        self.offset = self.start

    def write(self, chunk: bytes) -> None:
        if self.offset + len(chunk) > self.upload.length:
            raise BadRequest("the body goes past Upload-Length", code="upload_overflow")
        self.file.write(chunk)
        self.offset += len(chunk)
        if self.hasher:
            self.hasher.update(chunk)

    def close(self, complete_body: bool) -> int:
        """Keep what arrived (fsync) and return the new offset; a checksummed body is kept only whole and matching."""
        try:
            if self.hasher is not None and (not complete_body or self.hasher.digest() != self.checksum[1]):  # type: ignore[index]
                self.file.truncate(self.start)
                self.offset = self.start
                if complete_body:
                    raise ChecksumMismatch("the PATCH body does not match Upload-Checksum")
            self.file.flush()
            os.fsync(self.file.fileno())
            return self.offset
        finally:
            self.file.close()
