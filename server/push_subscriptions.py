"""A user's Web Push subscriptions: checked against SSRF before they are stored, one row per endpoint.

A browser that re-subscribes replaces its old keys; an endpoint moves to whoever subscribed it last.
"""

from __future__ import annotations

from typing import Any

from server.clock import now_text
from server.domain.actor import Actor
from server.errors import NotFound
from server.push import PushSubscription, application_server_key, check_subscription, shared_vapid
from server.store import Tx


def public_key(services: Any) -> str:
    vapid = services.pusher.vapid if services.pusher is not None else shared_vapid(services.store, services.settings.data_dir)
    return application_server_key(vapid)


def save_subscription(services: Any, actor: Actor, sub: PushSubscription) -> dict[str, Any]:
    check_subscription(sub, services.settings.push_insecure_hosts)

    def save(tx: Tx) -> None:
        tx.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (sub.endpoint,))
        tx.insert("push_subscriptions", {"user_id": actor.id, "endpoint": sub.endpoint, "p256dh": sub.keys.p256dh,
                                         "auth": sub.keys.auth, "created_at": now_text()})

    services.store.write(save)
    return {"endpoint": sub.endpoint, "user_id": actor.id}


def forget_subscription(services: Any, actor: Actor, endpoint: str) -> None:
    removed = services.store.write(lambda tx: tx.execute("DELETE FROM push_subscriptions WHERE endpoint = ? AND user_id = ?", (endpoint, actor.id)))
    if not removed:
        raise NotFound("no such subscription of yours", code="subscription_not_found")
