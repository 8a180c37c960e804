"""An S3-compatible object store under one bucket and prefix (`FIELDOPS_BLOB_URL=s3://bucket[/prefix]`), through boto3.

Endpoint, region and credentials come from the usual AWS_* variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...).
Transfers stream from and to files (multipart above s3transfer's threshold), so no blob is held in memory whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import msgspec
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.errors import AppError, Invalid

# Bounded waits: a gone object store fails a request in seconds (503) instead of holding a worker thread.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
READ_CHUNK = 1024 * 1024


class ObjectStoreUnavailable(AppError):
    """The object store did not answer or refused us: the blob cannot be read or kept now."""

    status = 503
    code = "object_store_unavailable"


class StoredObject(msgspec.Struct, frozen=True):
    key: str
    size: int
    modified: datetime


def parse_blob_url(url: str) -> tuple[str, str]:
    """`s3://bucket[/prefix]` → (bucket, prefix without slashes at its ends); anything else is a bad setting."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise Invalid(f"FIELDOPS_BLOB_URL must be s3://bucket[/prefix], got {url!r}", code="bad_blob_url")
    return parts.netloc, parts.path.strip("/")


class ObjectStore:
    def __init__(self, url: str) -> None:
        self.bucket, self.prefix = parse_blob_url(url)
        self.client = boto3.session.Session().client(
            "s3", region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            config=Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S, retries={"max_attempts": 3, "mode": "standard"},
                          s3={"addressing_style": "path"}))  # path style: self-hosted stores (SeaweedFS, MinIO) have no bucket DNS

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
            return True
        except ClientError as exc:
            if _missing(exc):
                return False
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    def put_file(self, path: Path, name: str) -> None:
        try:
            self.client.upload_file(str(path), self.bucket, self.key(name))
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def put_bytes(self, data: bytes, name: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def get_file(self, name: str, path: Path) -> bool:
        """Download into `path`; False when there is no such object."""
        try:
            self.client.download_file(self.bucket, self.key(name), str(path))
            return True
        except ClientError as exc:
            if _missing(exc):
                return False
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    def chunks(self, name: str) -> Iterator[bytes] | None:
        """The object's bytes as they stream in, or None when there is no such object."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc
        return body.iter_chunks(READ_CHUNK)

    def listing(self, name_prefix: str) -> list[StoredObject]:
        """Objects whose name starts with `name_prefix`, names relative to our prefix, in key order."""
        found, token, strip = [], None, len(self.key(""))
        try:
            while True:
                page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.key(name_prefix), **({"ContinuationToken": token} if token else {}))
                found += [StoredObject(o["Key"][strip:], o["Size"], o["LastModified"]) for o in page.get("Contents", ())]
                if not page.get("IsTruncated"):
                    return found
                token = page["NextContinuationToken"]
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def delete(self, names: list[str]) -> None:
        try:
            for start in range(0, len(names), 1000):  # DeleteObjects takes 1000 keys at most
                batch = names[start:start + 1000]
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": self.key(n)} for n in batch], "Quiet": True})
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def check(self) -> None:
        """For /health: the bucket answers."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> ObjectStoreUnavailable:
        return ObjectStoreUnavailable(f"the object store (bucket {self.bucket}) cannot be reached: {exc}")


def _missing(exc: ClientError) -> bool:
    """Whether the store answered that the object is not there (as opposed to failing)."""
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")
