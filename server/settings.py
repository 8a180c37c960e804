"""Settings: one frozen object built once from the environment.

Every field has a default from DOMAIN.md/CONTRACT.md and a docstring; tests/test_docs.py checks the README names them all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import msgspec

ENV_PREFIX = "FIELDOPS_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path("./var")
    """FIELDOPS_DATA_DIR: the SQLite database, blobs and VAPID keys."""
    database_url: str = ""
    """FIELDOPS_DATABASE_URL: empty: the embedded SQLite file in FIELDOPS_DATA_DIR; `postgresql://user[:password]@host[:port]/db`: PostgreSQL (every command uses it)."""
    host: str = "127.0.0.1"
    """FIELDOPS_HOST: the HTTP listener's address."""
    port: int = 8000
    """FIELDOPS_PORT: the HTTP listener's port."""
    mqtt_url: str = ""
    """FIELDOPS_MQTT_URL: mqtt[s]://[user:password@]host:port of the broker; empty starts an embedded broker; `off` disables the bridge."""
    mqtt_client_id: str = "fieldops-server"
    """FIELDOPS_MQTT_CLIENT_ID: fixed MQTT client id, so the broker keeps our persistent session across restarts."""
    mqtt_share_group: str = ""
    """FIELDOPS_MQTT_SHARE_GROUP: when set, subscribe through `$share/{group}/...` so several instances split the stream."""
    claim_lease_s: float = 15.0
    """FIELDOPS_CLAIM_LEASE_S: background work one instance claimed (a push owed, an escalation due) is taken over by another instance this many seconds after its claimer stopped renewing the claim (it died)."""
    mqtt_session_expiry_s: int = 24 * 3600
    """FIELDOPS_MQTT_SESSION_EXPIRY_S: how long the broker keeps this instance's session (its subscriptions and the QoS 1 alarms queued for it) while it is away. Mosquitto goes on handing a dead shared subscriber its share of the stream until then, and drops what it queued when the session expires: see ops/INSTANCES.md before shortening it."""
    escalate_after_s: float = 60.0
    """FIELDOPS_ESCALATE_AFTER_S: an unacknowledged alarm is pushed to the site's supervisors after this many seconds."""
    push_insecure_hosts: tuple[str, ...] = ()
    """FIELDOPS_PUSH_INSECURE_HOSTS: comma-separated hosts to which plain-http, private push endpoints are allowed (tests)."""
    push_contact: str = "mailto:ops@fieldops.invalid"
    """FIELDOPS_PUSH_CONTACT: the VAPID `sub` claim, a contact for push services."""
    push_ttl_s: int = 3600
    """FIELDOPS_PUSH_TTL_S: how long a push service keeps an undelivered alarm for an offline phone."""
    device_silent_after_s: float = 6 * 3600
    """FIELDOPS_DEVICE_SILENT_AFTER_S: a sensor with no message (heartbeat or state) for this long gets a maintenance ticket."""
    token_ttl_s: int = 72 * 3600
    """FIELDOPS_TOKEN_TTL_S: lifetime of a login token; long enough for a device to work a shift offline and sync the next morning."""
    http_keepalive_s: float = 75.0
    """FIELDOPS_HTTP_KEEPALIVE_S: how long an idle keep-alive connection stays open; longer than a polling phone's interval, so each poll reuses its connection (uvicorn's own 5 s closed a phone's between two polls)."""
    max_body_bytes: int = 2 * 1024 * 1024
    """FIELDOPS_MAX_BODY_BYTES: largest JSON request body (sync pushes included); larger is 413."""
    blob_url: str = ""
    """FIELDOPS_BLOB_URL: empty: blobs under FIELDOPS_DATA_DIR (a shared volume for several instances); `s3://bucket[/prefix]`: an S3-compatible object store, endpoint and credentials from the usual AWS_* variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)."""
    max_blob_bytes: int = 25 * 1024 * 1024
    """FIELDOPS_MAX_BLOB_BYTES: largest photo or signature image; larger is 413."""
    upload_expire_s: int = 24 * 3600
    """FIELDOPS_UPLOAD_EXPIRE_S: an unfinished resumable (tus) upload is deleted this long after its last PATCH."""
    max_open_uploads: int = 20
    """FIELDOPS_MAX_OPEN_UPLOADS: unfinished resumable (tus) uploads one user may have at once; one more is 429 `too_many_open_uploads` (the app uploads one at a time)."""
    max_upload_bytes_in_flight: int = 256 * 1024 * 1024
    """FIELDOPS_MAX_UPLOAD_BYTES_IN_FLIGHT: total Upload-Length one user's unfinished uploads may reserve; beyond it creation is 429 `upload_quota_exceeded`."""
    login_max_failures: int = 5
    """FIELDOPS_LOGIN_MAX_FAILURES: failed logins for one username from one address within the window before 429; past as many from anywhere, each further try of that username waits longer (up to a minute)."""
    login_max_failures_per_address: int = 20
    """FIELDOPS_LOGIN_MAX_FAILURES_PER_ADDRESS: failed logins from one address (any username) within the window, past which the usernames that failed from there are refused (429); others behind the address still log in."""
    login_window_s: int = 900
    """FIELDOPS_LOGIN_WINDOW_S: the sliding window of the login throttle (its state is kept in the database across restarts)."""
    trusted_proxies: tuple[str, ...] = ()
    """FIELDOPS_TRUSTED_PROXIES: comma-separated addresses or networks (CIDR) of reverse proxies whose `X-Forwarded-For` gives the client's address; none by default, so the address is the connection's peer and a forged header changes nothing."""
    demo: bool = True
    """FIELDOPS_DEMO: create demo sites, users and orders when the database is new (`make run`)."""
    log_level: str = "INFO"
    """FIELDOPS_LOG_LEVEL: Python logging level of the JSON logs."""
    company_tz: str = "Asia/Shanghai"
    """FIELDOPS_COMPANY_TZ: the company's time zone (IANA name): monthly report boundaries, a major complaint's "same day" and the working-day calendar."""
    working_hours: str = "08:30-17:30"
    """FIELDOPS_WORKING_HOURS: the office's working hours (HH:MM-HH:MM, company time zone); a working-day target started outside them starts at the next opening."""
    consent_signature: Literal["required_when_paid", "optional"] = "required_when_paid"
    """FIELDOPS_CONSENT_SIGNATURE: `required_when_paid`: `confirm_scope` with a fee above zero needs the customer's consent signature; `optional`."""
    receipt_link_days: int = 30
    """FIELDOPS_RECEIPT_LINK_DAYS: how long a customer's receipt link (no account, read only, one order) stays valid."""
    pdf_font: str = ""
    """FIELDOPS_PDF_FONT: a TrueType/OpenType font (.ttf/.ttc) with Chinese glyphs for the PDF receipt; empty: the first of WenQuanYi Micro Hei (fonts-wqy-microhei), Zen Hei, Noto Sans CJK, Droid Sans Fallback found."""
    office_hours: str = "08:30-17:30"
    """FIELDOPS_OFFICE_HOURS: the service centre's hours (HH:MM-HH:MM in FIELDOPS_COMPANY_TZ); outside them a guard on duty at a site may dispatch its orders."""
    shift_changes: str = "08:30,17:30"
    """FIELDOPS_SHIFT_CHANGES: when the monitoring room's shifts change (HH:MM,... in FIELDOPS_COMPANY_TZ); `;site=HH:MM,...` gives one site its own times."""
    escalation_poll_s: float = 15.0
    """FIELDOPS_ESCALATION_POLL_S: how often the escalation timer looks for due complaint, call-back and overdue-work escalations and refreshes the overdue gauges."""
    complaint_handle_important_s: int = 3600
    """FIELDOPS_COMPLAINT_HANDLE_IMPORTANT_S: an important complaint must be taken up (dispatched) within this many seconds of receipt, else supervisors are pushed again."""
    retention_dead_letters_days: int = 90
    """FIELDOPS_RETENTION_DEAD_LETTERS_DAYS: `fieldops purge` deletes sensor payloads kept as dead letters after this many days."""
    retention_exports_days: int = 400
    """FIELDOPS_RETENTION_EXPORTS_DAYS: `fieldops purge` deletes audit and report exports under FIELDOPS_DATA_DIR/exports older than this many days."""

    @property
    def db_path(self) -> Path:
        return self.data_dir / "fieldops.db"

    @property
    def store_location(self) -> str:
        """What `open_store` opens: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or str(self.db_path)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from FIELDOPS_* variables; `overrides` win (tests)."""
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, object] = {}
    for field in Settings.__struct_fields__:
        value = environ.get(env_name(field))
        if value is None:
            continue
        if field in ("push_insecure_hosts", "trusted_proxies"):
            raw[field] = [h.strip() for h in value.split(",") if h.strip()]
        else:
            raw[field] = value
    raw.update(overrides)
    if "data_dir" in raw:
        raw["data_dir"] = str(raw["data_dir"])
    url = str(raw.get("database_url") or "")
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise SystemExit(f"invalid setting: FIELDOPS_DATABASE_URL must be empty or postgresql://user[:password]@host[:port]/db, not {url!r}")
    try:
        return msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"invalid setting: {exc}") from None


def _decode_path(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError
