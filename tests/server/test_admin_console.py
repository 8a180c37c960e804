"""The admin's console over real HTTP: sites (add, rename), users (add, change role and sites, deactivate,
reset password) — admin only, passwords argon2id-hashed, deactivation and resets ending every token."""

from __future__ import annotations


import pytest

from tests import backend
from tests.live_server import unique


def account(as_user, **over) -> dict:
    body = {"username": unique("u"), "password": "first-pass-123", "role": "technician", "site_ids": ["north"], **over}
    r = as_user("root").post("/api/v1/accounts", json=body)
    assert r.status_code == 201, r.text
    return {**r.json(), "password": body["password"]}


def call(client, mutation: str, args: dict):  # noqa: ANN201  (sites and users have a `name`, as mutate() does)
    return client.post(f"/api/v1/mutations/{mutation}", json=args)


def test_an_admin_adds_a_user_who_then_signs_in_and_the_password_is_only_a_hash(live, as_user, world_dir):
    made = account(as_user, name="李师傅", role="technician", site_ids=["north", "south"])
    assert (made["name"], made["role"], made["site_ids"], made["active"]) == ("李师傅", "technician", ["north", "south"], True)
    assert "password_hash" not in made
    user = live.login(made["username"], "first-pass-123").user
    assert user == {"id": made["id"], "name": "李师傅", "role": "technician", "site_ids": ["north", "south"]}
    db = backend.connect(world_dir / "fieldops.db")
    stored = db.execute("SELECT password_hash FROM users WHERE id = ?", (made["id"],)).fetchone()[0]
    db.close()
    assert stored.startswith("$argon2id$") and "first-pass-123" not in stored
    assert made["username"] in [a["username"] for a in as_user("root").get("/api/v1/accounts").json()]


@pytest.mark.parametrize("body, status, code", [
    ({"username": "disp", "password": "long-enough-1", "role": "dispatcher"}, 422, "duplicate_username"),
    ({"username": "shorty", "password": "short", "role": "dispatcher"}, 422, "weak_password"),
    ({"username": "has space", "password": "long-enough-1", "role": "dispatcher"}, 422, "invalid_id"),
    ({"username": "nosite", "password": "long-enough-1", "role": "dispatcher", "site_ids": ["atlantis"]}, 422, "site_not_found"),
    ({"username": "norole", "password": "long-enough-1", "role": "customer"}, 400, None),
])
def test_a_bad_new_account_is_refused_with_a_code(as_user, body, status, code):
    r = as_user("root").post("/api/v1/accounts", json=body)
    assert r.status_code == status, r.text
    assert "error" in r.json() and (code is None or r.json()["error"]["code"] == code)


@pytest.mark.parametrize("username", ["boss", "disp", "tech", "guard"])
def test_only_admins_manage_accounts_and_sites(as_user, world, username):
    client = as_user(username)
    assert client.get("/api/v1/accounts").status_code == 403
    assert client.post("/api/v1/accounts", json={"username": unique("x"), "password": "long-enough-1", "role": "admin"}).status_code == 403
    assert client.post(f"/api/v1/accounts/{world.users['tech']}/password", json={"password": "taken-over-1"}).status_code == 403
    for name, args in [("add_site", {"id": unique("s"), "name": "Mine"}), ("rename_site", {"site_id": "north", "name": "Mine"}),
                       ("update_user", {"user_id": world.users["tech"], "role": "admin"}), ("deactivate_user", {"user_id": world.users["root"]})]:
        r = call(client, name, args)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed", (name, r.text)


def test_an_admin_changes_a_users_role_and_sites_and_it_applies_at_once(live, as_user):
    made = account(as_user, role="technician", site_ids=["north"])
    token_holder = live.login(made["username"], made["password"])
    changed = call(as_user("root"), "update_user", {"user_id": made["id"], "role": "dispatcher", "site_ids": ["south"], "name": "New Name"}).json()
    assert (changed["role"], changed["site_ids"], changed["name"]) == ("dispatcher", ["south"], "New Name")
    assert token_holder.get("/api/v1/call-backs").status_code == 200  # a dispatcher's queue, with the same token
    assert as_user("root").mutate("update_user", user_id=made["id"], site_ids=["atlantis"]).json()["error"]["code"] == "site_not_found"
    assert as_user("root").mutate("update_user", user_id="no-such-user", role="guard").status_code == 404
    assert as_user("root").mutate("update_user", user_id=made["id"], role="customer").status_code == 422
    assert as_user("root").mutate("update_user", user_id=as_user("root").user["id"], role="guard").json()["error"]["code"] == "own_role"


def test_deactivating_a_user_ends_their_tokens_and_their_sign_ins(live, as_user):
    made = account(as_user)
    signed_in = live.login(made["username"], made["password"])
    assert signed_in.get("/api/v1/work-orders").status_code == 200
    assert as_user("root").ok("deactivate_user", user_id=made["id"])["active"] is False
    assert signed_in.get("/api/v1/work-orders").status_code == 401
    r = live.anonymous().post("/api/v1/auth/login", json={"username": made["username"], "password": made["password"]})
    assert r.status_code == 401
    assert as_user("root").mutate("deactivate_user", user_id=as_user("root").user["id"]).json()["error"]["code"] == "own_account"
    assert as_user("root").ok("reactivate_user", user_id=made["id"])["active"] is True
    assert live.login(made["username"], made["password"]).get("/api/v1/work-orders").status_code == 200


def test_a_password_reset_signs_the_user_out_and_only_the_new_password_works(live, as_user):
    made = account(as_user)
    signed_in = live.login(made["username"], made["password"])
    r = as_user("root").post(f"/api/v1/accounts/{made['id']}/password", json={"password": "second-pass-456"})
    assert r.status_code == 200 and r.json()["id"] == made["id"], r.text
    assert signed_in.get("/api/v1/work-orders").status_code == 401
    anon = live.anonymous()
    assert anon.post("/api/v1/auth/login", json={"username": made["username"], "password": made["password"]}).status_code == 401
    assert live.login(made["username"], "second-pass-456").user["id"] == made["id"]
    assert as_user("root").post(f"/api/v1/accounts/{made['id']}/password", json={"password": "short"}).json()["error"]["code"] == "weak_password"
    assert as_user("root").post("/api/v1/accounts/nobody/password", json={"password": "long-enough-1"}).status_code == 404


def test_an_admin_adds_and_renames_sites(as_user):
    root = as_user("root")
    site = unique("east")
    assert call(root, "add_site", {"id": site, "name": "East Garden"}).json() == {"id": site, "name": "East Garden"}
    assert call(root, "rename_site", {"site_id": site, "name": "东园"}).json() == {"id": site, "name": "东园"}
    assert {"id": site, "name": "东园"} in root.get("/api/v1/sites").json()
    assert call(root, "add_site", {"id": site, "name": "Again"}).status_code == 409
    assert call(root, "add_site", {"id": "no spaces", "name": "x"}).json()["error"]["code"] == "invalid_id"
    assert call(root, "add_site", {"id": unique("s"), "name": ""}).status_code == 422
    assert call(root, "rename_site", {"site_id": "atlantis", "name": "x"}).status_code == 404
    assert account(as_user, site_ids=[site])["site_ids"] == [site]
