"""Fuzzing (hypothesis) the places where outside text becomes typed values: the time parser, and every
mutation's arguments sent online and through a sync push. Whatever arrives, the answer is never a 5xx."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from server.clock import parse_rfc3339, to_rfc3339
from server.domain.registry import all_mutators
from server.errors import Invalid
from server.ids import new_id

MUTATORS = all_mutators()
EDGE_TIMES = st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0999-01-01T00:00:00Z",
                              "2026-02-30T00:00:00Z", "2026-11-23T08:00:00+14:00", "1970-01-01T00:00:00Z", "2026-11-23"])
OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timezone(timedelta(minutes=m)))
ANY_MOMENT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50) | EDGE_TIMES,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@given(st.one_of(st.text(max_size=80), EDGE_TIMES, ANY_MOMENT.map(lambda d: d.isoformat())))
@settings(max_examples=2000, deadline=None)
def test_the_time_parser_refuses_with_invalid_time_or_returns_a_sortable_utc_time(text):
    try:
        moment = parse_rfc3339(text)
    except Invalid as refusal:
        assert refusal.code == "invalid_time"
        return
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    stored = to_rfc3339(moment)
    assert len(stored) == 27 and stored.endswith("Z") and parse_rfc3339(stored) == moment


def arguments(name: str):
    """Arguments shaped like the mutator's (its field names), with any JSON in each field, some fields left out."""
    fields = [f.encode_name for f in msgspec.structs.fields(MUTATORS[name].args_type)]
    return st.fixed_dictionaries({}, optional={f: JSON for f in fields}) | JSON


@pytest.mark.parametrize("name", sorted(MUTATORS))
def test_any_arguments_to_any_mutation_online_are_never_a_5xx(as_user, name):
    root = as_user("root")

    @given(arguments(name))
    @FAST
    def run(args):
        r = root.post(f"/api/v1/mutations/{name}", json=args)
        assert r.status_code < 500, (name, args, r.text)
        if r.status_code >= 400:
            assert r.json()["error"]["code"]

    run()


def test_any_queued_mutations_in_a_push_are_never_a_5xx_and_keep_the_queue_moving(as_user):
    tech = as_user("tech")
    client_id = new_id()
    sent = {"n": 0}

    @given(st.lists(st.tuples(st.sampled_from(sorted(MUTATORS)), JSON, st.one_of(st.none(), EDGE_TIMES)), min_size=1, max_size=5),
           st.one_of(EDGE_TIMES, st.just("now")))
    @FAST
    def run(batch, client_time):
        first = sent["n"] + 1
        mutations = [{"id": first + i, "name": name, "args": args, "client_ts": ts} for i, (name, args, ts) in enumerate(batch)]
        body = {"client_id": client_id, "client_time": to_rfc3339(datetime.now(timezone.utc)) if client_time == "now" else client_time,
                "mutations": mutations}
        r = tech.post("/api/v1/sync/push", json=body)
        assert r.status_code < 500, (body, r.text)
        if r.status_code == 200:
            assert r.json()["last_mutation_id"] == first + len(batch) - 1
            sent["n"] += len(batch)

    run()
    r = tech.post("/api/v1/sync/pull", json={"client_id": client_id, "cookie": None})
    assert r.status_code == 200, r.text
