"""Sites, colleagues, accounts and sensor devices as the directory routes and the console mutations answer them."""

from __future__ import annotations

from typing import Literal

from server.domain.actor import ROLES
from server.domain.directory import DeviceKind, Source
from server.http.schemas import Answer

Role = Literal[ROLES]  # type: ignore[valid-type]


class Site(Answer):
    id: str
    name: str


class Colleague(Answer):
    """A user as colleagues see them: name and role, never credentials."""

    id: str
    name: str
    role: Role
    site_ids: list[str]


class Device(Answer):
    """A registered sensor; `last_seen`, `battery` and `online` come from its messages (null: never heard from)."""

    id: str
    site_id: str
    zone: str
    kind: DeviceKind
    source: Source
    name: str | None
    created_at: str
    last_seen: str | None = None
    battery: int | None = None
    online: bool | None = None


class RetiredDevice(Answer):
    id: str
    site_id: str
    zone: str
    kind: DeviceKind
    source: Source
    name: str | None
    retired_at: str
    retired_by: str | None
    retired: bool
