"""Login and logout: the only route without a token is login."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.domain.actor import Actor
from server.http.deps import AUTHENTICATED, SERVICES, bearer_token
from server.http.errors import errors
from server.services import Services


class Credentials(msgspec.Struct):
    username: str
    password: str


class UserView(msgspec.Struct):
    id: str
    name: str
    role: str
    site_ids: list[str]

    @classmethod
    def of(cls, actor: Actor) -> "UserView":
        return cls(actor.id, actor.name, actor.role, sorted(actor.site_ids))


class LoginResult(msgspec.Struct):
    token: str
    user: UserView
    expires_in: int
    time_zone: str  # FIELDOPS_COMPANY_TZ: the app shows receipts in the company's time, offline too


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", responses=errors(401, 422, 429, public=True), dependencies=SERVICES, status_code=HTTP_200_OK, sync_to_thread=True)
    def login(self, data: Credentials, request: Request, services: Services) -> LoginResult:
        """Exchange a username and password for a bearer token (401 on bad credentials, 429 when throttled)."""
        address = request.client.host if request.client else "unknown"
        token, actor = services.session.login(data.username, data.password, address)
        return LoginResult(token, UserView.of(actor), services.settings.token_ttl_s, services.settings.company_tz)

    @post("/logout", operation_id="logout", responses=errors(), dependencies=AUTHENTICATED, status_code=HTTP_204_NO_CONTENT, sync_to_thread=True)
    def logout(self, request: Request, services: Services, actor: Actor) -> None:
        """Revoke the token this request carries."""
        services.session.logout(bearer_token(request))

    @post("/me", operation_id="whoami", responses=errors(), dependencies=AUTHENTICATED, status_code=HTTP_200_OK, sync_to_thread=False)
    def me(self, actor: Actor) -> UserView:
        """The user behind the token."""
        return UserView.of(actor)
