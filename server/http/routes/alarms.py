"""Alarms, dead letters, Web Push subscriptions and the live event stream (SSE) for open browsers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import AsyncIterator

from litestar import Controller, Request, delete, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.alarm_queries import StreamScope, alarm_with_deliveries, dead_letters, stream_actor, token_seconds_left
from server.domain.actor import Actor
from server.domain.duty import list_alarms
from server.http.deps import AUTHENTICATED, bearer_token
from server.http.errors import errors
from server.live import RESYNC
from server.http.schemas import answer
from server.http.schemas.alarms import Alarm, AlarmWithDeliveries, DeadLetter, PushKey, SavedSubscription, Unsubscribe
from server.push import PushSubscription
from server.push_subscriptions import forget_subscription, public_key, save_subscription
from server.services import Services

# Browsers drop idle connections behind proxies; a comment line this often keeps the stream open.
KEEPALIVE_S = 15.0


class _Wire(ServerSentEventMessage):
    """Events already in their wire form: what is waiting goes out in one write."""

    def __init__(self, wire: bytes) -> None:
        super().__init__()
        self.wire = wire

    def encode(self) -> bytes:
        return self.wire


def _wire(event: dict) -> bytes:
    """An event's SSE form, made once however many streams it goes to (the feed hands each the same dict)."""
    wire = event.get("_wire")
    if wire is None:
        wire = event["_wire"] = ServerSentEventMessage(event=event["type"], data=json.dumps({"type": event["type"], "id": event["id"]})).encode()
    return wire


class AlarmController(Controller):
    path = "/api/v1"
    tags = ["alarms"]
    dependencies = AUTHENTICATED

    @get("/alarms", operation_id="listAlarms", responses=errors(403, 404), sync_to_thread=True)
    def alarms(self, services: Services, actor: Actor, site_id: str | None = None,
               alarm_state: str | None = QueryParameter(name="state", default=None, pattern=r"^(active|cleared)\Z"),
               limit: int = Parameter(default=200, ge=1, le=1000)) -> list[Alarm]:
        """Alarms of the caller's sites, newest first (`state`: active or cleared)."""
        return answer(list[Alarm], services.read(list_alarms, actor, site_id, alarm_state, limit))

    @get("/alarms/{alarm_id:str}", operation_id="getAlarm", responses=errors(404), sync_to_thread=True)
    def alarm(self, alarm_id: str, services: Services, actor: Actor) -> AlarmWithDeliveries:
        """One alarm with its push delivery attempts."""
        return answer(AlarmWithDeliveries, services.read(alarm_with_deliveries, actor, alarm_id))

    @get("/dead-letters", operation_id="listDeadLetters", responses=errors(403), sync_to_thread=True)
    def dead_letters(self, services: Services, actor: Actor, limit: int = Parameter(default=100, ge=1, le=1000)) -> list[DeadLetter]:
        """Sensor messages nobody could read (topic, payload, reason, site_id) of the caller's sites and unplaced ones, for supervisors to fix devices."""
        return answer(list[DeadLetter], services.read(dead_letters, actor, limit))

    # Not gzipped: each event is a few dozen bytes flushed at once, where compressing costs a flush per stream per event.
    @get("/events/stream", operation_id="eventStream", responses=errors(), skip_compression=True)
    async def stream(self, services: Services, actor: Actor, request: Request) -> ServerSentEvent:
        """Server-sent events: `{"type": "alarm"|"work_order"|"shift", "id"}` whenever something the caller may see changes.

        `resync` (then the stream closes) when more than QUEUE_SIZE events waited; the stream ends when its token
        is revoked or expires, and delivers nothing after."""
        token = bearer_token(request)  # `actor` made a bad token 401 before the stream opened
        ends_at = time.monotonic() + await asyncio.to_thread(services.read, token_seconds_left, token)
        scope = StreamScope(actor, services.feed.sessions_generation)
        subscription = services.feed.subscribe(scope.visible, scope.sites)

        async def events() -> AsyncIterator[ServerSentEventMessage]:
            queue = subscription.queue
            try:
                yield ServerSentEventMessage(event="hello", data="{}")
                while (left := ends_at - time.monotonic()) > 0:
                    if queue.empty():
                        try:
                            first = await asyncio.wait_for(queue.get(), min(KEEPALIVE_S, left))
                        except asyncio.TimeoutError:
                            first = None
                    else:  # already waiting (a burst): no timer and no task for it
                        first = queue.get_nowait()
                    batch = [] if first is None else [first]
                    while not queue.empty():
                        batch.append(queue.get_nowait())
                    if subscription.overflowed:
                        yield ServerSentEventMessage(event="resync", data=json.dumps(RESYNC))
                        return
                    if scope.stale(services.feed.sessions_generation):
                        # A token was revoked or an account changed (here: at once; elsewhere: within SESSION_RECHECK_S):
                        # one read for this stream, then its scope is current again.
                        generation = services.feed.sessions_generation
                        now_actor = await asyncio.to_thread(stream_actor, services, token)
                        if now_actor is None:
                            return  # revoked (or the user disabled): not one more event
                        scope.renew(now_actor, generation)
                        services.feed.rescope(subscription, scope.visible, scope.sites)
                        batch = [event for event in batch if scope.visible(event)]  # queued under the old scope
                        if first is not None and not batch:
                            continue
                    if first is None:
                        yield ServerSentEventMessage(comment="keep-alive")
                    else:
                        yield _Wire(b"".join(map(_wire, batch)))
            finally:
                services.feed.unsubscribe(subscription)

        return ServerSentEvent(events())


class PushController(Controller):
    path = "/api/v1/push"
    tags = ["push"]
    dependencies = AUTHENTICATED

    @get("/key", operation_id="pushKey", responses=errors(), sync_to_thread=True)
    def key(self, services: Services, actor: Actor) -> PushKey:
        """The VAPID application server key (base64url) for pushManager.subscribe()."""
        return PushKey(public_key(services))

    @post("/subscriptions", operation_id="subscribePush", responses=errors(403, 422), status_code=HTTP_201_CREATED, sync_to_thread=True)
    def subscribe(self, data: PushSubscription, services: Services, actor: Actor) -> SavedSubscription:
        """Store `PushSubscription.toJSON()` for the caller; https and public endpoints only (422 otherwise)."""
        return answer(SavedSubscription, save_subscription(services, actor, data))

    @delete("/subscriptions", operation_id="unsubscribePush", responses=errors(404), status_code=HTTP_204_NO_CONTENT, sync_to_thread=True)
    def unsubscribe(self, data: Unsubscribe, services: Services, actor: Actor) -> None:
        """Remove the caller's subscription with this `endpoint`."""
        forget_subscription(services, actor, data.endpoint)
