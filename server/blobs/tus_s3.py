"""Resumable (tus) uploads kept in the object store, so a PATCH may land on another instance than the POST.

An upload is `uploads/<id>/info.json` plus one object per PATCH, `uploads/<id>/part-<offset>`; the offset is the end
of the parts that follow each other from 0, and the last activity the newest part's time. Nothing is in memory.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

import msgspec

from server.blobs.objects import ObjectStore, StoredObject
from server.blobs.store import check_name
from server.blobs.tus import CHECKSUM_ALGORITHMS, UPLOAD_ID, ChecksumMismatch, Upload, UploadQuotaExceeded
from server.errors import BadRequest, Conflict, NotFound, PayloadTooLarge

PREFIX = "uploads/"


def _part_start(obj: StoredObject) -> int | None:
    name = obj.key.rsplit("/", 1)[-1]
    return int(name[5:]) if name.startswith("part-") and name[5:].isdigit() else None


class _State(msgspec.Struct, frozen=True):
    upload: Upload
    offset: int
    last_write: float
    names: list[str]


class S3UploadArea:
    """The same surface as UploadArea (server/blobs/tus.py), over the shared object store."""

    def __init__(self, objects: ObjectStore, spool: Path, max_bytes: int, expire_s: float, max_open: int = 20,
                 max_in_flight: int = 256 * 1024 * 1024) -> None:
        self.objects, self.spool = objects, spool
        self.max_bytes, self.expire_s = max_bytes, expire_s
        self.max_open, self.max_in_flight = max_open, max_in_flight
        self._creating = threading.Lock()  # within one instance; across instances a quota may be passed by one upload
        spool.mkdir(parents=True, exist_ok=True)

    def create(self, owner_id: str, length: int | None, metadata: dict[str, str]) -> Upload:
        if length is None or length < 0:
            raise BadRequest("send Upload-Length (deferred lengths are not supported)", code="upload_length_required")
        if length > self.max_bytes:
            raise PayloadTooLarge(f"a blob may be at most {self.max_bytes} bytes", code="blob_too_large")
        sha256 = check_name(metadata.get("sha256", ""))
        with self._creating:
            open_ = [s.upload for s in self._all() if s.upload.owner_id == owner_id]
            if len(open_) >= self.max_open:
                raise UploadQuotaExceeded(f"{len(open_)} unfinished uploads are open (at most {self.max_open}); finish or terminate one first",
                                          code="too_many_open_uploads")
            if sum(u.length for u in open_) + length > self.max_in_flight:
                raise UploadQuotaExceeded(f"unfinished uploads may reserve at most {self.max_in_flight} bytes in all; finish or terminate one first")
            now = time.time()
            upload = Upload(secrets.token_hex(16), owner_id, length, sha256, metadata, now)
            self.objects.put_bytes(msgspec.json.encode(upload), f"{PREFIX}{upload.id}/info.json")
        return self._with_expiry(upload, now)

    def _all(self) -> list[_State]:
        """Every upload not expired (expired ones are removed on the way)."""
        by_upload: dict[str, list[StoredObject]] = {}
        for obj in self.objects.listing(PREFIX):
            by_upload.setdefault(obj.key[len(PREFIX):].split("/", 1)[0], []).append(obj)
        found = []
        for upload_id, objs in by_upload.items():
            state = self._state(upload_id, objs)
            if state is not None:
                found.append(state)
        return found

    def _state(self, upload_id: str, objs: list[StoredObject]) -> _State | None:
        names = [o.key for o in objs]
        raw = b"".join(self.objects.chunks(f"{PREFIX}{upload_id}/info.json") or ())
        try:
            upload = msgspec.json.decode(raw, type=Upload)
        except msgspec.DecodeError:
            self.objects.delete(names)  # parts whose info is gone belong to no upload
            return None
        offset = 0
        for obj in sorted((o for o in objs if _part_start(o) is not None), key=_part_start):  # type: ignore[arg-type,return-value]
            if _part_start(obj) == offset:
                offset += obj.size
        last_write = max(o.modified.timestamp() for o in objs)
        upload = self._with_expiry(upload, last_write)
        if upload.expires_at < time.time():
            self.objects.delete(names)
            return None
        return _State(upload, offset, last_write, names)

    def get(self, owner_id: str, upload_id: str) -> tuple[Upload, int]:
        """The upload and its offset; 404 for unknown, foreign or expired (which are removed)."""
        if not UPLOAD_ID.fullmatch(upload_id):
            raise NotFound("no such upload", code="upload_not_found")
        objs = self.objects.listing(f"{PREFIX}{upload_id}/")
        state = self._state(upload_id, objs) if objs else None
        if state is None or state.upload.owner_id != owner_id:
            raise NotFound("no such upload", code="upload_not_found")
        return state.upload, state.offset

    def appender(self, upload: Upload, offset: int, checksum: tuple[str, bytes] | None) -> "S3Appender":
        _, start = self.get(upload.owner_id, upload.id)
        if offset != start:
            raise Conflict(f"Upload-Offset is {offset} but the server has {start} bytes", code="offset_mismatch", offset=start)
        return S3Appender(self, upload, start, checksum)

    def _with_expiry(self, upload: Upload, last_write: float) -> Upload:
        return msgspec.structs.replace(upload, expires_at=max(last_write, upload.created_at) + self.expire_s)

    def expiry_after_write(self, upload: Upload) -> Upload:
        return self._with_expiry(upload, time.time())

    def finished_file(self, upload: Upload) -> Path:
        """The whole upload as one local file (its parts fetched in order), for the blob store to check and adopt."""
        parts = sorted((o for o in self.objects.listing(f"{PREFIX}{upload.id}/") if _part_start(o) is not None), key=_part_start)  # type: ignore[arg-type,return-value]
        target = self.spool / upload.id
        with open(target, "wb") as out:
            for obj in parts:
                if _part_start(obj) != out.tell():
                    continue
                for chunk in self.objects.chunks(obj.key) or ():
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return target

    def remove(self, upload_id: str) -> None:
        self.objects.delete([o.key for o in self.objects.listing(f"{PREFIX}{upload_id}/")])
        (self.spool / upload_id).unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete expired uploads; returns how many went."""
        before = {o.key[len(PREFIX):].split("/", 1)[0] for o in self.objects.listing(PREFIX)}
        return len(before) - len(self._all())


class S3Appender:
    """One PATCH: spooled to a local file while it arrives, then kept as one part object (even when the connection
    dropped: that is what makes the upload resumable), unless a checksum was promised and the body is not whole."""

    def __init__(self, area: S3UploadArea, upload: Upload, start: int, checksum: tuple[str, bytes] | None) -> None:
        self.area, self.upload, self.checksum = area, upload, checksum
        self.hasher = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
        self.start = self.offset = start
        fd, name = tempfile.mkstemp(dir=area.spool, prefix="patch-")
        self.path = Path(name)
        self.file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        if self.offset + len(chunk) > self.upload.length:
            raise BadRequest("the body goes past Upload-Length", code="upload_overflow")
        self.file.write(chunk)
        self.offset += len(chunk)
        if self.hasher:
            self.hasher.update(chunk)

    def close(self, complete_body: bool) -> int:
        try:
            self.file.close()
            if self.hasher is not None and (not complete_body or self.hasher.digest() != self.checksum[1]):  # type: ignore[index]
                self.offset = self.start
                if complete_body:
                    raise ChecksumMismatch("the PATCH body does not match Upload-Checksum")
                return self.offset
            if self.offset > self.start:
                self.area.objects.put_file(self.path, f"{PREFIX}{self.upload.id}/part-{self.start:012d}")
            return self.offset
        finally:
            self.path.unlink(missing_ok=True)


__all__ = ["S3Appender", "S3UploadArea"]
