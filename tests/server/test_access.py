"""Every route but login needs a token; logins are throttled per user and address without locking others out."""

from __future__ import annotations

from tests.world import PASSWORD


def test_every_api_route_but_login_answers_401_without_a_token(live):
    checked = 0
    with live.anonymous() as anon:
        schema = anon.get("/schema/openapi.json").json()
        for path, ops in schema["paths"].items():
            if not path.startswith("/api/v1") or path == "/api/v1/auth/login":
                continue
            concrete = path.replace("{", "").replace("}", "")
            for method in ops:
                if method.upper() not in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"):
                    continue
                r = anon.request(method.upper(), concrete, json={} if method in ("post", "put", "patch") else None)
                assert r.status_code == 401, (method, path, r.status_code, r.text)
                if method.upper() != "HEAD":
                    assert r.json()["error"]["code"] in ("missing_token", "invalid_token")
                checked += 1
    assert checked >= 5


def test_a_bad_token_is_refused_and_logout_revokes(live):
    with live.anonymous() as anon:
        r = anon.get("/api/v1/work-orders", headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    client = live.login("tech")
    try:
        assert client.get("/api/v1/work-orders").status_code == 200
        assert client.post("/api/v1/auth/logout").status_code == 204
        assert client.get("/api/v1/work-orders").status_code == 401
    finally:
        client.close()


def test_login_returns_the_user_and_refuses_bad_passwords(live, world):
    with live.anonymous() as anon:
        r = anon.post("/api/v1/auth/login", json={"username": "guard", "password": PASSWORD})
        assert r.status_code == 200
        assert r.json()["user"] == {"id": world.users["guard"], "name": "Guard", "role": "guard", "site_ids": ["north"]}
        r = anon.post("/api/v1/auth/login", json={"username": "guard", "password": "wrong-password"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
        r = anon.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong-password"})
        assert r.status_code == 401


def test_failed_logins_are_throttled_without_locking_out_others(start_server):
    server = start_server(env={"FIELDOPS_LOGIN_MAX_FAILURES": "3", "FIELDOPS_LOGIN_MAX_FAILURES_PER_ADDRESS": "6"})
    with server.anonymous() as anon:
        codes = [anon.post("/api/v1/auth/login", json={"username": "tech", "password": "guess-%d" % i}).status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]
        r = anon.post("/api/v1/auth/login", json={"username": "tech", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # Another user from the same address still logs in...
        assert anon.post("/api/v1/auth/login", json={"username": "disp", "password": PASSWORD}).status_code == 200
        # ...and once the address has failed too often, only the names that failed from it are refused.
        for username in ("guard", "guard", "ghost"):
            assert anon.post("/api/v1/auth/login", json={"username": username, "password": "guess"}).status_code == 401
        assert anon.post("/api/v1/auth/login", json={"username": "guard", "password": PASSWORD}).status_code == 429
        assert anon.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD}).status_code == 200


def test_passwords_are_stored_as_argon2_hashes(live):
    from tests import backend

    rows = backend.connect(live.data_dir / "fieldops.db").execute("SELECT password_hash FROM users WHERE active = 1").fetchall()
    assert rows and all(h.startswith("$argon2id$") and PASSWORD not in h for (h,) in rows)


def test_health_metrics_and_schema(live, as_user):
    with live.anonymous() as anon:
        assert anon.get("/health").json() == {"status": "ok", "db": "ok", "mqtt": "disabled", "blobs": "files"}
        as_user("disp").mutate("teleport")
        metrics = anon.get("/metrics").text
        assert "fieldops_http_requests_total" in metrics and "fieldops_mutations_total" in metrics
        schema = anon.get("/schema/openapi.json").json()
        assert "/api/v1/mutations/{name}" in schema["paths"] and "/api/v1/work-orders/{work_order_id}" in schema["paths"]
