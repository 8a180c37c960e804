"""A user's quota of unfinished resumable uploads, kept in the shared database (migration 0022) rather than in one
process: counting and reserving are one write transaction, taken one user at a time across instances."""

from __future__ import annotations

from datetime import timedelta

from server.clock import now, to_rfc3339
from server.errors import AppError
from server.store import Store, Tx


class UploadQuotaExceeded(AppError):
    """A user's unfinished uploads are at their quota; finishing or terminating one frees room (so 429, not 413)."""

    status = 429
    code = "upload_quota_exceeded"


class UploadQuota:
    """At most `max_open` unfinished uploads per user, reserving at most `max_in_flight` bytes (their Upload-Length)
    in all, so one account cannot fill the disk or the bucket with empty reservations. A reservation lapses with its
    upload, `expire_s` after its last activity."""

    def __init__(self, store: Store, max_open: int, max_in_flight: int, expire_s: float) -> None:
        self.store, self.max_open, self.max_in_flight, self.expire_s = store, max_open, max_in_flight, expire_s

    def reserve(self, owner_id: str, upload_id: str, length: int) -> None:
        """Count the user's open uploads and reserve one more, or raise UploadQuotaExceeded (nothing reserved)."""
        self.store.write(lambda tx: self._reserve(tx, owner_id, upload_id, length))

    def _reserve(self, tx: Tx, owner_id: str, upload_id: str, length: int) -> None:
        at = now()
        # The user's turn: on PostgreSQL this row stays locked until commit, so a creation on another instance
        # waits here and then counts this one's reservation (each statement reads what is committed by then).
        tx.execute("INSERT INTO upload_quota_turns (owner_id, taken_at) VALUES (?, ?)"
                   " ON CONFLICT (owner_id) DO UPDATE SET taken_at = excluded.taken_at", (owner_id, to_rfc3339(at)))
        tx.execute("DELETE FROM upload_reservations WHERE owner_id = ? AND active_at < ?",
                   (owner_id, to_rfc3339(at - timedelta(seconds=self.expire_s))))
        lengths = [r["length"] for r in tx.query("SELECT length FROM upload_reservations WHERE owner_id = ?", (owner_id,))]
        if len(lengths) >= self.max_open:
            raise UploadQuotaExceeded(f"{len(lengths)} unfinished uploads are open (at most {self.max_open}); finish or terminate one first",
                                      code="too_many_open_uploads")
        if sum(lengths) + length > self.max_in_flight:
            raise UploadQuotaExceeded(f"unfinished uploads may reserve at most {self.max_in_flight} bytes in all; finish or terminate one first")
        tx.insert("upload_reservations", {"id": upload_id, "owner_id": owner_id, "length": length, "active_at": to_rfc3339(at)})

    def touch(self, upload_id: str) -> None:
        """A PATCH arrived: the reservation lives as long as the upload does."""
        self.store.write(lambda tx: tx.execute("UPDATE upload_reservations SET active_at = ? WHERE id = ?", (to_rfc3339(now()), upload_id)))

    def release(self, upload_id: str) -> None:
        """The upload finished, was terminated or expired."""
        self.store.write(lambda tx: tx.execute("DELETE FROM upload_reservations WHERE id = ?", (upload_id,)))

    def sweep(self) -> int:
        """Drop reservations whose upload lapsed without anyone asking (its bytes are swept by the area)."""
        cutoff = to_rfc3339(now() - timedelta(seconds=self.expire_s))
        return self.store.write(lambda tx: tx.execute("DELETE FROM upload_reservations WHERE active_at < ?", (cutoff,)))


__all__ = ["UploadQuota", "UploadQuotaExceeded"]
