"""Evidence files: content-addressed blobs on disk, their access rules, derived images and tus uploads.

`blob_store(settings)` and `upload_area(settings)` give the one instance per data directory.
"""

from __future__ import annotations

from functools import lru_cache

from server.blobs.store import BlobStore, Landed, check_name
from server.blobs.tus import UploadArea
from server.settings import Settings

__all__ = ["BlobStore", "Landed", "UploadArea", "blob_store", "check_name", "upload_area"]


@lru_cache(maxsize=8)
def blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.blob_dir, settings.max_blob_bytes)


@lru_cache(maxsize=8)
def upload_area(settings: Settings) -> UploadArea:
    return UploadArea(settings.blob_dir / "uploads", settings.max_blob_bytes, settings.upload_expire_s,
                      settings.max_open_uploads, settings.max_upload_bytes_in_flight)
