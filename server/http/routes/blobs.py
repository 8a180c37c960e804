"""Blobs over HTTP: `PUT/HEAD/GET /api/v1/blobs/{sha256}` (CONTRACT.md "Blobs"), `?thumb=1` for a small JPEG.

PUT streams the body (no whole-body buffering); reads answer only users allowed by server.blobs.access.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, AsyncIterator

import msgspec
from litestar import Controller, Request, Response, get, head, put
from litestar.datastructures import ETag
from litestar.exceptions import InternalServerException
from litestar.params import Parameter
from litestar.response import File

from server.blobs import blob_store, check_name
from server.blobs.access import readable_blob
from server.blobs.images import thumbnail, without_metadata
from server.blobs.intake import receive_blob
from server.domain.actor import Actor
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.evidence import Blob
from server.errors import BadRequest, NotFound
from server.services import Services

# A blob is named by the lower-case hex SHA-256 of its bytes.
BlobName = Annotated[str, Parameter(pattern=r"^[0-9a-f]{64}\Z", description="the lower-case hex SHA-256 of the bytes")]

# Content-addressed bytes never change: caches may keep them, but only for this user (access is per user).
CACHE = {"Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}


async def body_of(request: Request) -> AsyncIterator[bytes]:
    """The request body as it arrives; a connection cut mid-body is the client's 400, not a server error."""
    try:
        async for chunk in request.stream():
            yield chunk
    except InternalServerException:
        raise BadRequest("the connection closed before the whole body arrived; send it again, or resume with /api/v1/uploads/",
                         code="upload_incomplete") from None


def announced_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def blob_file(services: Services, actor: Actor, sha256: str, thumb: bool) -> File:
    store = blob_store(services.settings)
    check_name(sha256)
    blob, version = services.read(readable_blob, actor, sha256)
    path: Path
    if thumb:
        path, media_type = thumbnail(store, sha256), "image/jpeg"
    elif version == "without_metadata":
        path, media_type = without_metadata(store, sha256, blob["media_type"]), blob["media_type"]
    else:
        path, media_type = store.local(sha256), blob["media_type"]
    if not path.is_file():
        raise NotFound(f"the bytes of blob {sha256} are missing from the store", code="blob_not_found")
    return File(path, media_type=media_type, content_disposition_type="inline", filename=path.name,
                etag=ETag(value=f"{sha256}{'-thumb' if thumb else ''}{'-clean' if version != 'original' else ''}"), headers=CACHE)


class BlobController(Controller):
    path = "/api/v1/blobs"
    tags = ["blobs"]
    dependencies = AUTHENTICATED

    @put("/{sha256:str}", operation_id="putBlob", responses=errors(403, 413, 415, 422), request_max_body_size=None, status_code=201)
    async def put_blob(self, sha256: BlobName, request: Request, services: Services, actor: Actor) -> Response[Blob]:
        """Store the body under its SHA-256: 201 new, 200 already stored, 422 hash_mismatch, 413 too large, 415 not JPEG/PNG/WebP."""
        landed, created = await receive_blob(services, actor, sha256, body_of(request), announced_length(request))
        return Response(answer(Blob, msgspec.structs.asdict(landed)), status_code=201 if created else 200)

    @head("/{sha256:str}", operation_id="headBlob", responses=errors(404), sync_to_thread=True)
    def head_blob(self, sha256: BlobName, services: Services, actor: Actor) -> File:
        """200 with the size when the blob is stored and readable by the caller, else 404."""
        return blob_file(services, actor, sha256, thumb=False)

    @get("/{sha256:str}", operation_id="getBlob", responses=errors(404), sync_to_thread=True, opt={"skip_compression": True})
    def get_blob(self, sha256: BlobName, services: Services, actor: Actor,
                 thumb: bool = Parameter(default=False, description="a small upright JPEG instead of the original")) -> File:
        """The bytes (original for staff of the order's site, EXIF-stripped for others), or a thumbnail."""
        return blob_file(services, actor, sha256, thumb)
