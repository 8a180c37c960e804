"""Bytes arriving over HTTP become blobs: a streamed PUT body, or a finished tus upload.

Blocking steps (fsync, image header, the database) run in worker threads; chunks are written as they come.
"""

from __future__ import annotations

from typing import AsyncIterator

import anyio.to_thread

from server.blobs import blob_store, upload_area
from server.blobs.access import record_blob
from server.blobs.store import Landed, check_name
from server.blobs.tus import Upload
from server.domain.actor import Actor
from server.errors import AppError, PayloadTooLarge
from server.services import Services

# After refusing a body (wrong type, too large) we still read up to this many more bytes and drop them,
# so the client gets our answer instead of a reset connection; past it the connection is simply closed.
DRAIN_LIMIT = 64 * 1024 * 1024


async def receive_blob(services: Services, actor: Actor, sha256: str, body: AsyncIterator[bytes], announced: int | None) -> tuple[Landed, bool]:
    """Stream `body` into the store under `sha256`; returns the blob and whether it is new."""
    store = blob_store(services.settings)
    check_name(sha256)
    if announced is not None and announced > store.max_bytes:
        await drain(body, announced)
        raise PayloadTooLarge(f"a blob may be at most {store.max_bytes} bytes", code="blob_too_large")
    writer = store.writer(sha256)
    try:
        try:
            async for chunk in body:
                writer.write(chunk)
        except AppError:
            await drain(body, announced)
            raise
        landed = await anyio.to_thread.run_sync(writer.finish)
    finally:
        writer.discard()
    created = await anyio.to_thread.run_sync(catalogue, services, landed, actor)
    return landed, created


def finish_upload(services: Services, actor: Actor, upload: Upload) -> tuple[Landed, bool]:
    """A tus upload reached its length: check it against its sha256 and store it; the upload is gone either way."""
    area = upload_area(services.settings, services.store)
    try:
        landed = blob_store(services.settings).adopt(area.finished_file(upload), upload.sha256)
    finally:
        area.remove(upload.id)
    return landed, catalogue(services, landed, actor)


def catalogue(services: Services, landed: Landed, actor: Actor) -> bool:
    return services.store.write(lambda tx: record_blob(tx, landed, actor.id))


async def drain(body: AsyncIterator[bytes], announced: int | None) -> None:
    if announced is not None and announced > DRAIN_LIMIT:
        return
    seen = 0
    try:
        async for chunk in body:
            seen += len(chunk)
            if seen > DRAIN_LIMIT:
                return
    except Exception:  # the client went away or the stream was spent: nothing left to drain
        return
