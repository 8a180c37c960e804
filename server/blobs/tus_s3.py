"""Resumable (tus) uploads kept in the object store, so a PATCH may land on another instance than the POST.

An upload is `uploads/<id>/info.json` plus one object per PATCH, `uploads/<id>/part-<offset>`; the offset is the end
of the parts that follow each other from 0, and the last activity the newest part's time. Nothing is in memory.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import msgspec

from server.blobs.objects import ObjectStore, StoredObject
from server.blobs.tus import UPLOAD_ID, BodyRules, Upload, UploadRules
from server.blobs.tus_quota import UploadQuota
from server.errors import Conflict, NotFound

PREFIX = "uploads/"


def _part_start(obj: StoredObject) -> int | None:
    name = obj.key.rsplit("/", 1)[-1]
    return int(name[5:]) if name.startswith("part-") and name[5:].isdigit() else None


class _State(msgspec.Struct, frozen=True):
    upload: Upload
    offset: int
    last_write: float
    names: list[str]


class S3UploadArea(UploadRules):
    """The same surface and rules as UploadArea (server/blobs/tus.py), over the shared object store."""

    def __init__(self, objects: ObjectStore, spool: Path, max_bytes: int, expire_s: float, quota: UploadQuota) -> None:
        super().__init__(max_bytes, expire_s, quota)
        self.objects, self.spool = objects, spool
        spool.mkdir(parents=True, exist_ok=True)

    def _keep_new(self, upload: Upload) -> None:
        self.objects.put_bytes(msgspec.json.encode(upload), f"{PREFIX}{upload.id}/info.json")

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

    def _discard(self, upload_id: str) -> None:
        self.objects.delete([o.key for o in self.objects.listing(f"{PREFIX}{upload_id}/")])
        (self.spool / upload_id).unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete expired uploads; returns how many went."""
        before = {o.key[len(PREFIX):].split("/", 1)[0] for o in self.objects.listing(PREFIX)}
        kept = {state.upload.id for state in self._all()}
        for upload_id in before - kept:
            self.quota.release(upload_id)
        self.quota.sweep()
        return len(before - kept)


class S3Appender:
    """One PATCH: spooled to a local file while it arrives, then kept as one part object (even when the connection
    dropped: that is what makes the upload resumable), unless a checksum was promised and the body is not whole."""

    def __init__(self, area: S3UploadArea, upload: Upload, start: int, checksum: tuple[str, bytes] | None) -> None:
        self.area, self.body = area, BodyRules(upload, start, checksum)
        fd, name = tempfile.mkstemp(dir=area.spool, prefix="patch-")
        self.path = Path(name)
        self.file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.body.take(chunk)
        self.file.write(chunk)

    def close(self, complete_body: bool) -> int:
        body = self.body
        try:
            self.file.close()
            if not body.keeps(complete_body):
                body.offset = body.start
            if body.offset > body.start:
                self.area.objects.put_file(self.path, f"{PREFIX}{body.upload.id}/part-{body.start:012d}")
                self.area.quota.touch(body.upload.id)
            return body.offset
        finally:
            self.path.unlink(missing_ok=True)


__all__ = ["S3Appender", "S3UploadArea"]
