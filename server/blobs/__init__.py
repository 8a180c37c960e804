"""Evidence files: content-addressed blobs on disk, their access rules, derived images and tus uploads.

`blob_store(settings)` and `upload_area(settings, store)` give the one instance per data directory.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from server.blobs.store import BlobStore, Landed, check_name
from server.blobs.tus import UploadArea
from server.blobs.tus_quota import UploadQuota
from server.settings import Settings
from server.store import Store

if TYPE_CHECKING:
    from server.blobs.objects import ObjectStore
    from server.blobs.tus_s3 import S3UploadArea

__all__ = ["BlobStore", "Landed", "UploadArea", "blob_store", "check_name", "object_store", "upload_area"]


@lru_cache(maxsize=8)
def object_store(settings: Settings) -> "ObjectStore | None":
    """The shared object store when FIELDOPS_BLOB_URL names one, else None (files under the data directory)."""
    if not settings.blob_url:
        return None
    from server.blobs.objects import ObjectStore

    return ObjectStore(settings.blob_url)


@lru_cache(maxsize=8)
def blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.blob_dir, settings.max_blob_bytes, object_store(settings))


@lru_cache(maxsize=8)
def upload_area(settings: Settings, store: Store) -> "UploadArea | S3UploadArea":
    """The tus uploads: their bytes in the object store or under the data directory, their quota in `store`."""
    quota = UploadQuota(store, settings.max_open_uploads, settings.max_upload_bytes_in_flight, settings.upload_expire_s)
    objects = object_store(settings)
    if objects is not None:
        from server.blobs.tus_s3 import S3UploadArea

        return S3UploadArea(objects, settings.blob_dir / "uploads", settings.max_blob_bytes, settings.upload_expire_s, quota)
    return UploadArea(settings.blob_dir / "uploads", settings.max_blob_bytes, settings.upload_expire_s, quota)
