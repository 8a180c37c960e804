"""Alarms, dead letters, Web Push subscriptions and the live event stream (SSE) for open browsers."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

from litestar import Controller, Request, delete, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.alarm_queries import alarm_of, dead_letters, list_for, visible_event
from server.domain.actor import Actor
from server.http.deps import AUTHENTICATED
from server.push import PushSubscription
from server.push_subscriptions import forget_subscription, public_key, save_subscription
from server.services import Services

# Browsers drop idle connections behind proxies; a comment line this often keeps the stream open.
KEEPALIVE_S = 15.0


class AlarmController(Controller):
    path = "/api/v1"
    tags = ["alarms"]
    dependencies = AUTHENTICATED

    @get("/alarms", operation_id="listAlarms", sync_to_thread=True)
    def alarms(self, services: Services, actor: Actor, site_id: str | None = None,
               alarm_state: str | None = QueryParameter(name="state", default=None, pattern=r"^(active|cleared)\Z"),
               limit: int = Parameter(default=200, ge=1, le=1000)) -> list[dict[str, Any]]:
        """Alarms of the caller's sites, newest first (`state`: active or cleared)."""
        return list_for(services.store, actor, site_id, alarm_state, limit)

    @get("/alarms/{alarm_id:str}", operation_id="getAlarm", sync_to_thread=True)
    def alarm(self, alarm_id: str, services: Services, actor: Actor) -> dict[str, Any]:
        """One alarm with its push delivery attempts."""
        return alarm_of(services.store, actor, alarm_id)

    @get("/dead-letters", operation_id="listDeadLetters", sync_to_thread=True)
    def dead_letters(self, services: Services, actor: Actor, limit: int = Parameter(default=100, ge=1, le=1000)) -> list[dict[str, Any]]:
        """Sensor messages nobody could read (topic, payload, reason), for supervisors to fix devices."""
        return dead_letters(services.store, actor, limit)

    @get("/events/stream", operation_id="eventStream")
    async def stream(self, services: Services, actor: Actor, request: Request) -> ServerSentEvent:
        """Server-sent events: `{"type": "alarm"|"work_order", "id"}` whenever something the caller may see changes."""
        entry = services.feed.subscribe()

        async def events() -> AsyncIterator[ServerSentEventMessage]:
            try:
                yield ServerSentEventMessage(event="hello", data="{}")
                while True:
                    try:
                        event = await asyncio.wait_for(entry[1].get(), KEEPALIVE_S)
                    except asyncio.TimeoutError:
                        yield ServerSentEventMessage(comment="keep-alive")
                        continue
                    if await asyncio.to_thread(visible_event, services, actor, event):
                        yield ServerSentEventMessage(event=event["type"], data=f'{{"type": "{event["type"]}", "id": "{event["id"]}"}}')
            finally:
                services.feed.unsubscribe(entry)

        return ServerSentEvent(events())


class PushController(Controller):
    path = "/api/v1/push"
    tags = ["push"]
    dependencies = AUTHENTICATED

    @get("/key", operation_id="pushKey", sync_to_thread=True)
    def key(self, services: Services, actor: Actor) -> dict[str, str]:
        """The VAPID application server key (base64url) for pushManager.subscribe()."""
        return {"public_key": public_key(services)}

    @post("/subscriptions", operation_id="subscribePush", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def subscribe(self, data: PushSubscription, services: Services, actor: Actor) -> dict[str, Any]:
        """Store `PushSubscription.toJSON()` for the caller; https and public endpoints only (422 otherwise)."""
        return save_subscription(services, actor, data)

    @delete("/subscriptions", operation_id="unsubscribePush", status_code=HTTP_204_NO_CONTENT, sync_to_thread=True)
    def unsubscribe(self, data: dict[str, Any], services: Services, actor: Actor) -> None:
        """Remove the caller's subscription with this `endpoint`."""
        forget_subscription(services, actor, data)
