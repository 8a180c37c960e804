"""Loaded by the schemathesis CLI (SCHEMATHESIS_HOOKS) in tests/server/test_schema_fuzz.py: a bearer token for
the fuzzed server, fetched again when an answer is 401 (the fuzzer logs out, among everything else it tries)."""

from __future__ import annotations

import os

import httpx
import schemathesis


@schemathesis.auth(refresh_interval=60)
class BearerToken:
    def get(self, case, ctx):  # type: ignore[no-untyped-def]
        r = httpx.post(os.environ["FIELDOPS_FUZZ_URL"] + "/api/v1/auth/login", timeout=30,
                       json={"username": os.environ["FIELDOPS_FUZZ_USER"], "password": os.environ["FIELDOPS_FUZZ_PASSWORD"]})
        if r.status_code != 200:
            raise RuntimeError(f"login as {os.environ['FIELDOPS_FUZZ_USER']} answered {r.status_code}: {r.text}")
        return r.json()["token"]

    def set(self, case, data, ctx):  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _not_the_fuzzer(value) -> bool:  # type: ignore[no-untyped-def]
    return not (isinstance(value, dict) and (value.get("user_id") == os.environ["FIELDOPS_FUZZ_USER_ID"]
                                             or value.get("username") == os.environ["FIELDOPS_FUZZ_USER"]))


# The fuzzer may do anything an admin may, except lock itself out: no password reset, deactivation or role
# change of the account it signs in with, and no failed logins of it (five lock it for the throttle's window) (other accounts, and every other request, are fair game).
@schemathesis.hook
def filter_body(ctx, body):  # type: ignore[no-untyped-def]
    return _not_the_fuzzer(body)


@schemathesis.hook
def filter_path_parameters(ctx, path_parameters):  # type: ignore[no-untyped-def]
    return _not_the_fuzzer(path_parameters)
