"""A client generated from the published schema by a standard generator (openapi-python-client) drives one whole
job against the running server: create, dispatch, accept, arrive, confirm scope, photograph, complete, sign off.

Nothing here is hand-written HTTP: if the schema misdescribes an argument or an answer, the generated code fails."""

from __future__ import annotations

import importlib
from contextlib import ExitStack
import subprocess
import sys
from pathlib import Path

import httpx

from tests.evidence.flow import CONSENT, document_hash
from tests.evidence.photos import phone_photo, sha, signature_png
from tests.live_server import new_order_args
from tests.world import PASSWORD


def generate_client(url: str, out: Path):  # type: ignore[no-untyped-def]
    schema = out / "openapi.json"
    schema.write_bytes(httpx.get(url + "/schema/openapi.json", timeout=30).content)
    run = subprocess.run([str(Path(sys.executable).with_name("openapi-python-client")), "generate", "--path", str(schema),
                          "--output-path", str(out / "fieldops_generated"), "--meta", "none"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    # Everything an API user calls must have been generated (only the PWA's files and image bytes are not JSON).
    skipped = [line for line in run.stdout.splitlines() if line.startswith("WARNING parsing") and "/{path}" not in line and "/blobs/" not in line]
    assert not skipped, run.stdout
    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    return importlib.import_module("fieldops_generated")


def signed_in(gen, url: str, username: str, clients: ExitStack):  # type: ignore[no-untyped-def]
    from fieldops_generated.api.auth import login
    from fieldops_generated.models import Credentials

    with gen.Client(base_url=url) as anonymous:
        answer = login.sync(client=anonymous, body=Credentials(username=username, password=PASSWORD))
    assert answer is not None and answer.user.role
    return clients.enter_context(gen.AuthenticatedClient(base_url=url, token=answer.token)), answer.user


def test_a_client_generated_from_the_schema_does_a_whole_job(live, world, tmp_path):
    gen = generate_client(live.url, tmp_path)
    with ExitStack() as clients:
        job(gen, live.url, clients)


def job(gen, url: str, clients: ExitStack) -> None:  # type: ignore[no-untyped-def]
    from fieldops_generated.api.mutations import accept, arrive, attach_photo, complete, confirm_scope, create_work_order, dispatch, sign_off
    from fieldops_generated.api.work_orders import get_work_order
    from fieldops_generated.models import (AttachPhoto, Complete, ConfirmScope, CreateWorkOrder, Dispatch, ErrorBody, OrderStep,
                                           SignOff, WorkOrder)

    office, _ = signed_in(gen, url, "disp", clients)
    tech, tech_user = signed_in(gen, url, "tech", clients)
    args = new_order_args()

    created = create_work_order.sync(client=office, body=CreateWorkOrder.from_dict(args))
    assert isinstance(created, WorkOrder) and created.status == "new" and created.reporter.name == "Ms Wang"
    refused = accept.sync(client=tech, body=OrderStep(work_order_id=args["id"]))
    assert isinstance(refused, ErrorBody) and refused.error.code  # not dispatched yet: a documented error body
    assert dispatch.sync(client=office, body=Dispatch.from_dict({"work_order_id": args["id"], "technician_id": tech_user.id})).status == "dispatched"
    assert accept.sync(client=tech, body=OrderStep(work_order_id=args["id"])).status == "accepted"
    assert arrive.sync(client=tech, body=OrderStep(work_order_id=args["id"])).status == "on_site"
    scoped = confirm_scope.sync(client=tech, body=ConfirmScope.from_dict({
        "work_order_id": args["id"], "scope": "Replace tap cartridge", "labor_fee": 5000, "material_fee": 3500,
        "customer_name": "Ms Wang", "consent_signature_sha256": CONSENT}))
    assert scoped.status == "in_progress" and scoped.labor_fee == 5000

    photo = phone_photo(seed=args["id"].encode())  # the bytes go up as the app sends them; the mutation names them
    assert httpx.put(f"{url}/api/v1/blobs/{sha(photo)}", content=photo, headers={"Authorization": f"Bearer {tech.token}"}).status_code == 201
    attached = attach_photo.sync(client=tech, body=AttachPhoto.from_dict({"work_order_id": args["id"], "sha256": sha(photo), "kind": "cleanup",
                                                                           "taken_at": "2026-11-23T10:00:00Z"}))
    assert [p.kind for p in attached.photos] == ["cleanup"]
    done = complete.sync(client=tech, body=Complete.from_dict({"work_order_id": args["id"], "summary": "Cartridge replaced, no leak"}))
    assert done.status == "completed" and done.completed_at

    drawn = signature_png(b"generated")
    httpx.put(f"{url}/api/v1/blobs/{sha(drawn)}", content=drawn, headers={"Authorization": f"Bearer {tech.token}"})
    signed = sign_off.sync(client=tech, body=SignOff.from_dict({
        "work_order_id": args["id"], "signer_name": "王女士", "signature_sha256": sha(drawn), "accepted": True, "comment": "",
        "document_sha256": document_hash(done.to_dict()), "signed_at": "2026-11-23T11:00:00Z"}))
    assert isinstance(signed, WorkOrder) and signed.status == "signed_off" and signed.signature.accepted

    seen = get_work_order.sync(client=office, work_order_id=args["id"])
    assert seen.status == "signed_off" and [e.name for e in seen.events][-1] == "sign_off"
    assert [s.step for s in seen.sla][:2] == ["dispatch", "arrive"]
