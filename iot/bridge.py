"""The MQTT bridge: one paho client, a persistent QoS 1 session and acks only after handling.

The handler commits each message's effect before it returns; only then is the message acknowledged.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from iot.mqtt_url import BrokerAddress, parse_mqtt_url
from server.errors import Invalid

__all__ = ["ReceivedMessage", "MqttBridge", "BridgeState", "MessageHandler", "ErrorRecorder"]

log = logging.getLogger(__name__)

# The broker keeps our session (subscriptions + queued QoS 1 messages) this long while we are away.
# One day rides out a restart, a deploy gone wrong or a night without an on-call engineer; the
# broker's persistent_client_expiration (ops/mosquitto) is longer so it never cuts this short.
SESSION_EXPIRY_S = 24 * 60 * 60
# Reconnect backoff: first retry soon (a broker restart takes a second), then back off so a dead
# broker is not hammered. Tests patch these.
RECONNECT_MIN_DELAY_S = 1
RECONNECT_MAX_DELAY_S = 30
# After a message could be neither handled nor recorded as a dead letter (database down), we drop
# the connection so the broker redelivers it; wait this long first so we do not spin.
REDELIVERY_DELAY_S = 2.0
KEEPALIVE_S = 30
# Log at most this much of a bad payload.
LOGGED_PAYLOAD_BYTES = 200
# CONNACK reason codes that mean wrong credentials or not allowed (banned, ACL).
_AUTH_FAILURES = {4, 5, 134, 135, 138}
# After such a refusal we retry this rarely instead of giving up: a refusal is usually a broker restarted
# mid-change (password file or ACL being rotated), fixed minutes later, and a bridge that gave up for good
# would leave every sensor unheard until someone restarts the service. Once a minute recovers within a
# minute of the fix and adds one line a minute to the broker's log, not one a second. Tests patch it.
AUTH_RETRY_DELAY_S = 60.0

BridgeState = Literal["connected", "disconnected", "disabled"]


class ReceivedMessage(msgspec.Struct, frozen=True):
    """One message as the handler sees it: plain values, no paho objects."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    mid: int
    properties: dict[str, Any] = {}


MessageHandler = Callable[[ReceivedMessage], None]
ErrorRecorder = Callable[[ReceivedMessage, BaseException], None]
# Handles several messages in one durable commit (recording unreadable ones itself); acks follow the commit.
BatchHandler = Callable[[list[ReceivedMessage]], None]
# Whether a message may raise a new alarm (a fire, a leak not yet known): it jumps the queue of a storm.
UrgencyCheck = Callable[[ReceivedMessage], bool]

# One commit (one fsync) per batch instead of per message is what lets an alarm storm through, and the bigger the
# batch the more of a storm's repeats it merges (server/domain/alarms/batch.py). The cap bounds how long a fire in the
# fast lane waits for the batch being committed (2,048 storm messages take about as long as 256 did before the merging:
# ~0.1 s) and how much one failed commit sends back for redelivery. A steady storm makes small batches anyway:
# each holds what arrived while the one before committed.
MAX_BATCH = 2048


class MqttBridge:
    """Owns the paho client: connect, (re)subscribe, deliver each message to the handler, then ack.

    Contract with the caller:
    - `handler(msg)` returns only after the message's effect is durably committed; then we ack.
    - If the handler raises, `on_error(msg, exc)` must durably record the message (dead letter);
      when it returns we ack, so a bad payload is kept once and never blocks the stream.
    - If on_error raises too (e.g. the database is down), nothing is acked: we reconnect and the
      broker redelivers. Handlers must therefore be idempotent (dedupe by message identity).
    - With `batch_handler`, messages queue to a thread that hands over up to MAX_BATCH at a time; it
      commits them (dead letters included) in one transaction, then each is acked in arrival order.
    - With `urgent` too, messages it picks (a new alarm) go to a fast lane the batch thread empties before
      taking the next storm batch: a fire waits for at most the batch being committed, never for the backlog
      behind it. Such a message is acked as soon as its own commit is done, before older storm messages:
      Mosquitto matches PUBACKs by packet id, and the broker's queue is what holds the order anyway.
    """

    def __init__(
        self,
        url: str | BrokerAddress,
        handler: MessageHandler,
        on_error: ErrorRecorder,
        *,
        client_id: str = "fieldops-server",
        share_group: str = "",
        batch_handler: BatchHandler | None = None,
        session_expiry_s: int = SESSION_EXPIRY_S,
        urgent: UrgencyCheck | None = None,
    ) -> None:
        self.address = url if isinstance(url, BrokerAddress) else parse_mqtt_url(url)
        self.client_id = client_id
        self.session_expiry_s = session_expiry_s
        self._handler = handler
        self._on_error = on_error
        if share_group and self.address.protocol != "5":
            raise Invalid("shared subscriptions need MQTT 5", code="bad_mqtt_url")
        self._share_group = share_group
        self._v5 = self.address.protocol == "5"
        self._filters: dict[str, int] = {}  # subscribed filter → reference count
        self._lock = threading.Lock()
        self._state: BridgeState = "disconnected"
        self._stopping = threading.Event()
        self._redelivery_wanted = False
        self._refused = False  # the last CONNACK refused our credentials: retry after AUTH_RETRY_DELAY_S
        self._thread: threading.Thread | None = None
        self.connected_event = threading.Event()
        self._ready_mid: int | None = None
        self.last_connect_reason: str | None = None
        self._batch_handler = batch_handler
        self._urgent = urgent
        # (connection generation, message): a packet id is only meaningful on the connection that delivered it.
        # Two lanes under one condition: new alarms first, then the bulk (repeats, heartbeats, a storm).
        self._fast: deque[tuple[int, ReceivedMessage]] = deque()
        self._bulk: deque[tuple[int, ReceivedMessage]] = deque()
        self._lanes = threading.Condition()
        self._draining = False
        self._generation = 0
        self._batcher: threading.Thread | None = None
        self._client = self._make_client()

    # --- public surface ----------------------------------------------------------------------

    @property
    def state(self) -> BridgeState:
        """For /health: connected or disconnected (retrying; `last_connect_reason` says why, e.g. Not authorized)."""
        return self._state

    def subscribe(self, topic_filter: str) -> Callable[[], None]:
        """Subscribe (QoS 1) now and after every reconnect; returns a function that unsubscribes."""
        with self._lock:
            self._filters[topic_filter] = self._filters.get(topic_filter, 0) + 1
            first = self._filters[topic_filter] == 1
        if first and self._state == "connected":
            self._client.subscribe([(self._shared(topic_filter), self._options)])
        done = False

        def unsubscribe() -> None:
            nonlocal done
            if done:
                return
            done = True
            with self._lock:
                self._filters[topic_filter] -= 1
                last = self._filters[topic_filter] == 0
                if last:
                    del self._filters[topic_filter]
            if last and self._state == "connected":
                self._client.unsubscribe(self._shared(topic_filter))

        return unsubscribe

    def start(self) -> None:
        """Connect in the background; returns at once. Reconnects on its own until stop()."""
        if self._thread is not None:
            return
        self._stopping.clear()
        if self._batch_handler is not None:
            self._draining = True
            self._batcher = threading.Thread(target=self._drain_batches, name=f"mqtt-batches-{self.client_id}", daemon=True)
            self._batcher.start()
        self._thread = threading.Thread(target=self._run, name=f"mqtt-bridge-{self.client_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Disconnect cleanly (the broker keeps our session and queues for us) and join the thread."""
        self._stopping.set()
        self._client.disconnect()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._batcher is not None:
            with self._lanes:
                self._draining = False
                self._lanes.notify_all()
            self._batcher.join(timeout=10)
            self._batcher = None
        self._state = "disconnected"
        self.connected_event.clear()

    def wait_connected(self, timeout: float) -> bool:
        """Wait until connected and the subscriptions made so far are acknowledged."""
        return self.connected_event.wait(timeout)

    # --- paho wiring --------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5 if self._v5 else mqtt.MQTTv311,
            # MQTT 3.1.1 spelling of a persistent session (MQTT 5 uses clean_start + expiry below).
            clean_session=None if self._v5 else False,
            # paho would PUBACK as soon as on_message returns, even if it raised; we ack ourselves.
            manual_ack=True,
        )
        if self.address.username is not None:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            client.tls_set(ca_certs=self.address.ca_file)
        client.reconnect_delay_set(RECONNECT_MIN_DELAY_S, RECONNECT_MAX_DELAY_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _connect_properties(self) -> Properties:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry_s
        return properties

    def _run(self) -> None:
        # Our own loop around loop_forever: paho's loop ends after a deliberate disconnect, which we
        # use to force redelivery of a message we could not record; then we connect again.
        while not self._stopping.is_set():
            self._redelivery_wanted = False
            if self._v5:
                self._client.connect_async(
                    self.address.host,
                    self.address.port,
                    keepalive=KEEPALIVE_S,
                    clean_start=False,
                    properties=self._connect_properties(),
                )
            else:
                self._client.connect_async(self.address.host, self.address.port, keepalive=KEEPALIVE_S)
            try:
                self._client.loop_forever(retry_first_connection=True)
            except Exception:
                # Nothing may end this thread but stop(): log, drop the connection, start again.
                log.exception("MQTT network loop failed; reconnecting")
                self._client.disconnect()
            delay = AUTH_RETRY_DELAY_S if self._refused else REDELIVERY_DELAY_S if self._redelivery_wanted else RECONNECT_MIN_DELAY_S
            if self._stopping.wait(delay):
                break

    @property
    def _options(self) -> SubscribeOptions | int:
        return _SUBSCRIBE_OPTIONS if self._v5 else 1

    def _shared(self, topic_filter: str) -> str:
        return f"$share/{self._share_group}/{topic_filter}" if self._share_group else topic_filter

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self.last_connect_reason = str(reason_code)
        if reason_code.is_failure:
            if reason_code.value in _AUTH_FAILURES:
                # Paho would retry within seconds; we drop out of its loop and wait AUTH_RETRY_DELAY_S instead.
                log.error("MQTT broker %r refused us (%s); retrying in %.0f s", self.address, reason_code, AUTH_RETRY_DELAY_S)
                self._refused = True
                self._state = "disconnected"
                client.disconnect()
            return
        self._refused = False
        self._state = "connected"
        self._generation += 1
        with self._lock:
            filters = list(self._filters)
        log.info("MQTT connected to %r (session present: %s)", self.address, flags.session_present)
        if filters:
            # Ready only once the broker has acknowledged the subscriptions: a message published
            # after wait_connected() returns must reach us.
            _, self._ready_mid = client.subscribe([(self._shared(f), self._options) for f in filters])
        else:
            self.connected_event.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid == self._ready_mid:
            self.connected_event.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected_event.clear()
        self._state = "disconnected"
        if not self._stopping.is_set() and not self._refused:
            log.warning("MQTT disconnected from %r (%s); reconnecting", self.address, reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        if self._redelivery_wanted:
            # We are dropping the connection so the broker redelivers an unrecorded message;
            # leave later messages unacked too, they come back in order.
            return
        try:
            topic = message.topic
        except UnicodeDecodeError:
            # Brokers reject such topics; if one slips through, the dead letter still shows it.
            topic = bytes(message._topic).decode("utf-8", "replace")
        received = ReceivedMessage(
            topic=topic,
            payload=bytes(message.payload),
            qos=message.qos,
            retain=bool(message.retain),
            mid=message.mid,
            properties=_properties(message.properties),
        )
        if self._batch_handler is not None:
            # Off the network thread: it keeps reading (and pinging) while the batch commits.
            fast = self._urgent is not None and _safely_urgent(self._urgent, received)
            with self._lanes:
                (self._fast if fast else self._bulk).append((self._generation, received))
                self._lanes.notify()
            return
        try:
            self._handler(received)
        except Exception as exc:  # a bad payload must never stop the bridge
            log.warning(
                "MQTT message on %s not handled (%s: %s); payload %r",
                received.topic, type(exc).__name__, exc, received.payload[:LOGGED_PAYLOAD_BYTES],
            )
            try:
                self._on_error(received, exc)
            except Exception:
                log.exception("MQTT message on %s could not be recorded; reconnecting for redelivery", received.topic)
                self._redelivery_wanted = True
                client.disconnect()
                return
        if received.qos > 0:
            client.ack(received.mid, received.qos)


    def _next_batch(self) -> list[tuple[int, ReceivedMessage]] | None:
        """Up to MAX_BATCH messages, the fast lane's first; None when stopping with nothing left."""
        with self._lanes:
            self._lanes.wait_for(lambda: self._fast or self._bulk or not self._draining)
            lane = self._fast or self._bulk
            if not lane:
                return None
            return [lane.popleft() for _ in range(min(MAX_BATCH, len(lane)))]

    def _drain_batches(self) -> None:
        while (batch := self._next_batch()) is not None:
            current = [(gen, msg) for gen, msg in batch if gen == self._generation and not self._redelivery_wanted]
            if not current:
                continue  # delivered on a connection that is gone: the broker sends them again
            try:
                assert self._batch_handler is not None
                self._batch_handler([msg for _, msg in current])
            except Exception:
                log.exception("a batch of %d MQTT messages could not be recorded; reconnecting for redelivery", len(current))
                self._redelivery_wanted = True
                self._client.disconnect()
                continue
            for gen, msg in current:
                if msg.qos > 0 and gen == self._generation:
                    self._client.ack(msg.mid, msg.qos)


# What every paho Properties object holds of its own, whether or not the packet carried any property.
_PROPERTIES_OWN = frozenset(vars(Properties(PacketTypes.PUBLISH)))


def _properties(properties: Properties | None) -> dict[str, Any]:
    # Properties.json() tries every property name the protocol has; sensors send none, and the storm paid for it.
    if properties is None or not vars(properties).keys() - _PROPERTIES_OWN:
        return {}
    return properties.json()


def _safely_urgent(urgent: UrgencyCheck, msg: ReceivedMessage) -> bool:
    try:
        return urgent(msg)
    except Exception:  # an unreadable payload is not urgent; the batch keeps it as a dead letter
        return False


# QoS 1, not 2: with QoS 2 paho sends PUBREC before our callback runs. retainHandling=1: retained
# messages are sent only for a new subscription, not again on every resubscribe after a reconnect.
_SUBSCRIBE_OPTIONS = SubscribeOptions(qos=1, retainHandling=1)
