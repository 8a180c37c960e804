"""Resumable uploads over tus 1.0 at `/api/v1/uploads/` (core, creation, termination, checksum, expiration).

`Upload-Metadata` must carry `sha256`; the PATCH that completes the upload stores it as that blob (verified).
"""

from __future__ import annotations

from email.utils import formatdate

import anyio.to_thread
from litestar import Controller, Request, Response, delete, head, patch, post, route
from litestar.exceptions import InternalServerException

from server.blobs import upload_area
from server.blobs.intake import finish_upload
from server.blobs.tus import CHECKSUM_ALGORITHMS, EXTENSIONS, TUS_VERSION, parse_checksum, parse_metadata
from server.domain.actor import Actor
from server.errors import AppError, BadRequest, UnsupportedMediaType
from server.http.deps import AUTHENTICATED, SERVICES
from server.http.errors import errors
from server.services import Services

PATH = "/api/v1/uploads"


class TusVersionUnsupported(AppError):
    status = 412
    code = "tus_version_unsupported"


def require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise TusVersionUnsupported(f"send Tus-Resumable: {TUS_VERSION}")


def header_int(request: Request, name: str) -> int | None:
    value = request.headers.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise BadRequest(f"{name} must be a non-negative integer", code="invalid_header")
    return int(value)


def tus_headers(**extra: object) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **{k.replace("_", "-"): str(v) for k, v in extra.items()}}


class UploadController(Controller):
    path = PATH
    tags = ["uploads (tus)"]

    @route("/", http_method=["OPTIONS"], operation_id="tusOptions", include_in_schema=False, dependencies=SERVICES)
    async def capabilities(self, services: Services) -> Response[None]:
        """What this tus server supports (no token needed)."""
        return Response(None, status_code=204, headers={
            "Tus-Resumable": TUS_VERSION, "Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(services.settings.max_blob_bytes), "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS)})

    @post("/", operation_id="tusCreate", responses=errors(403, 412, 413, 415, 422, 429), dependencies=AUTHENTICATED, sync_to_thread=True, status_code=201)
    def create(self, request: Request, services: Services, actor: Actor) -> Response[None]:
        """tus creation: `Upload-Length` and `Upload-Metadata: sha256 <base64 hex>`; answers `Location`."""
        require_tus(request)
        area = upload_area(services.settings, services.store)
        upload = area.create(actor.id, header_int(request, "upload-length"), parse_metadata(request.headers.get("upload-metadata")))
        headers = tus_headers(Location=f"{PATH}/{upload.id}", Upload_Offset=0, Upload_Expires=formatdate(upload.expires_at, usegmt=True))
        return Response(None, status_code=201, headers=headers)

    @head("/{upload_id:str}", operation_id="tusOffset", responses=errors(404, 412), dependencies=AUTHENTICATED, sync_to_thread=True)
    def offset(self, upload_id: str, request: Request, services: Services, actor: Actor) -> Response[None]:
        """How many bytes the server has: resume the PATCH from `Upload-Offset`."""
        require_tus(request)
        upload, offset = upload_area(services.settings, services.store).get(actor.id, upload_id)
        return Response(None, status_code=200, headers=tus_headers(
            Upload_Offset=offset, Upload_Length=upload.length, Upload_Expires=formatdate(upload.expires_at, usegmt=True)))

    @patch("/{upload_id:str}", operation_id="tusAppend", responses=errors(404, 409, 412, 413, 415, 422), dependencies=AUTHENTICATED, request_max_body_size=None, status_code=204)
    async def append(self, upload_id: str, request: Request, services: Services, actor: Actor) -> Response[None]:
        """Append the body at `Upload-Offset` (409 if the server has a different offset); the last PATCH stores the blob."""
        require_tus(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/offset+octet-stream":
            raise UnsupportedMediaType("a tus PATCH is Content-Type: application/offset+octet-stream", code="tus_content_type")
        claimed = header_int(request, "upload-offset")
        if claimed is None:
            raise BadRequest("send Upload-Offset", code="upload_offset_required")
        checksum = parse_checksum(request.headers.get("upload-checksum"))
        area = upload_area(services.settings, services.store)
        upload, _ = await anyio.to_thread.run_sync(area.get, actor.id, upload_id)
        appender = await anyio.to_thread.run_sync(area.appender, upload, claimed, checksum)
        whole = False
        try:
            async for chunk in request.stream():
                appender.write(chunk)
            whole = True
        except InternalServerException:
            pass  # the client went away mid-body: what arrived is kept below, and it resumes with HEAD
        finally:
            offset = await anyio.to_thread.run_sync(appender.close, whole)
        upload = area.expiry_after_write(upload)
        headers = tus_headers(Upload_Offset=offset, Upload_Expires=formatdate(upload.expires_at, usegmt=True))
        if offset == upload.length:
            landed, _ = await anyio.to_thread.run_sync(finish_upload, services, actor, upload)
            headers["Location"] = f"/api/v1/blobs/{landed.sha256}"
        return Response(None, status_code=204, headers=headers)

    @delete("/{upload_id:str}", operation_id="tusTerminate", responses=errors(404, 412), dependencies=AUTHENTICATED, sync_to_thread=True, status_code=204)
    def terminate(self, upload_id: str, request: Request, services: Services, actor: Actor) -> Response[None]:
        """tus termination: forget the upload and its bytes."""
        require_tus(request)
        area = upload_area(services.settings, services.store)
        area.get(actor.id, upload_id)
        area.remove(upload_id)
        return Response(None, status_code=204, headers=tus_headers())
