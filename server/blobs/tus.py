"""Resumable uploads, tus 1.0 (core, creation, termination, checksum, expiration): the rules every upload area keeps,
and the area on files — one data file and one info file per upload under `<blobs>/uploads/`; the offset is the data
file's size, so a restart loses nothing. The object-store area (tus_s3.py) keeps the same rules.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import os
import re
import secrets
import time
from pathlib import Path

import msgspec

from server.blobs.store import check_name, fsync_dir
from server.blobs.tus_quota import UploadQuota, UploadQuotaExceeded
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


class UploadRules:
    """What every upload area checks, wherever its bytes live (local files here, the object store in tus_s3.py):
    the length and the sha256 of a new upload, the user's quota (in the shared database), expiry after activity.
    An area supplies `_keep_new` (store a new upload's state) and `_discard` (delete an upload's bytes and state)."""

    def __init__(self, max_bytes: int, expire_s: float, quota: UploadQuota) -> None:
        self.max_bytes, self.expire_s, self.quota = max_bytes, expire_s, quota

    def create(self, owner_id: str, length: int | None, metadata: dict[str, str]) -> Upload:
        if length is None or length < 0:
            raise BadRequest("send Upload-Length (deferred lengths are not supported)", code="upload_length_required")
        if length > self.max_bytes:
            raise PayloadTooLarge(f"a blob may be at most {self.max_bytes} bytes", code="blob_too_large")
        upload = Upload(secrets.token_hex(16), owner_id, length, check_name(metadata.get("sha256", "")), metadata, time.time())
        # Kept before it is counted: a crash in between leaves an upload no quota counts (it expires), never a
        # reservation that blocks its user for a day.
        self._keep_new(upload)
        try:
            self.quota.reserve(owner_id, upload.id, length)
        except UploadQuotaExceeded:
            self._discard(upload.id)
            raise
        return self._with_expiry(upload, upload.created_at)

    def _keep_new(self, upload: Upload) -> None:
        raise NotImplementedError

    def _discard(self, upload_id: str) -> None:
        raise NotImplementedError

    def remove(self, upload_id: str) -> None:
        """The upload finished, was terminated or expired: its bytes go and its place in the quota is free."""
        self._discard(upload_id)
        self.quota.release(upload_id)

    def _with_expiry(self, upload: Upload, last_write: float) -> Upload:
        """Activity keeps an upload alive: it expires `expire_s` after its last PATCH (or its creation)."""
        return msgspec.structs.replace(upload, expires_at=max(last_write, upload.created_at) + self.expire_s)

    def expiry_after_write(self, upload: Upload) -> Upload:
        return self._with_expiry(upload, time.time())


class BodyRules:
    """One PATCH body: never past Upload-Length; with Upload-Checksum, kept only whole and matching. `offset` is where
    the upload ends with what has arrived so far."""

    def __init__(self, upload: Upload, start: int, checksum: tuple[str, bytes] | None) -> None:
        self.upload, self.start, self.offset, self.checksum = upload, start, start, checksum
        self.hasher = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None

    def take(self, chunk: bytes) -> None:
        if self.offset + len(chunk) > self.upload.length:
            raise BadRequest("the body goes past Upload-Length", code="upload_overflow")
        self.offset += len(chunk)
        if self.hasher:
            self.hasher.update(chunk)

    def keeps(self, complete_body: bool) -> bool:
        """Whether what arrived is kept: a checksummed body that is cut short is dropped, one that does not match is 460."""
        if self.hasher is None:
            return True
        if complete_body and self.hasher.digest() != self.checksum[1]:  # type: ignore[index]
            raise ChecksumMismatch("the PATCH body does not match Upload-Checksum")
        return complete_body


class UploadArea(UploadRules):
    """The uploads of every user as files under `root` (a shared volume when several instances run); an upload is
    visible only to the user who created it."""

    def __init__(self, root: Path, max_bytes: int, expire_s: float, quota: UploadQuota) -> None:
        super().__init__(max_bytes, expire_s, quota)
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def data_path(self, upload_id: str) -> Path:
        return self.root / upload_id

    def _info_path(self, upload_id: str) -> Path:
        return self.root / f"{upload_id}.json"

    def _keep_new(self, upload: Upload) -> None:
        self.data_path(upload.id).touch()
        self._save(upload)

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

    def _discard(self, upload_id: str) -> None:
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
        self.quota.sweep()
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
        self.area = area
        self.file = open(area.data_path(upload.id), "r+b")
        try:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise Conflict("another request is writing this upload", code="upload_busy") from None
        start = os.fstat(self.file.fileno()).st_size
        if offset != start:
            self.file.close()
            raise Conflict(f"Upload-Offset is {offset} but the server has {start} bytes", code="offset_mismatch", offset=start)
        self.file.seek(start)
        self.body = BodyRules(upload, start, checksum)

    def write(self, chunk: bytes) -> None:
        self.body.take(chunk)
        self.file.write(chunk)

    def close(self, complete_body: bool) -> int:
        """Keep what arrived (fsync) and return the new offset."""
        try:
            if not self.body.keeps(complete_body):
                self.file.truncate(self.body.start)
                self.body.offset = self.body.start
            self.file.flush()
            os.fsync(self.file.fileno())
        except ChecksumMismatch:
            self.file.truncate(self.body.start)
            raise
        finally:
            self.file.close()
        if self.body.offset > self.body.start:
            self.area.quota.touch(self.body.upload.id)
        return self.body.offset
