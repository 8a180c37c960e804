"""Tokens are looked up once and kept in memory (server/auth.py): a request costs no read, yet a logout or an account
change here applies to the very next request, and one made on another instance within TOKEN_CACHE_S.
"""

from __future__ import annotations

import time

from server.auth import TOKEN_CACHE_S

# From a revocation on another instance to a 401 here: the cache's lifetime, with room for a loaded machine.
ACROSS_BUDGET_S = TOKEN_CACHE_S + 5.0


def test_a_logout_on_another_instance_ends_the_token_here_within_the_cache_lifetime(start_server, tmp_path):
    here, there = start_server(), start_server(data_dir=tmp_path)
    tech = here.login("tech")
    assert tech.get("/api/v1/work-orders").status_code == 200  # cached here now
    elsewhere = there.anonymous()
    assert elsewhere.post("/api/v1/auth/logout", headers={"Authorization": tech.headers["Authorization"]}).status_code == 204
    revoked = time.monotonic()
    while (status := tech.get("/api/v1/work-orders").status_code) == 200 and time.monotonic() - revoked < ACROSS_BUDGET_S:
        time.sleep(0.05)  # asked again until the deadline
    assert status == 401, "the token revoked on the other instance still works here"
    assert tech.get("/api/v1/work-orders").json()["error"]["code"] == "invalid_token"


def test_a_role_change_by_an_admin_applies_to_the_users_next_request(as_user, world):
    tech = as_user("tech")
    assert tech.get("/api/v1/call-backs").status_code == 403  # a technician has no call-back queue (cached as one)
    root = as_user("root")
    root.ok("update_user", user_id=world.users["tech"], role="dispatcher")
    try:
        assert tech.get("/api/v1/call-backs").status_code == 200
    finally:
        root.ok("update_user", user_id=world.users["tech"], role="technician")
    assert tech.get("/api/v1/call-backs").status_code == 403
