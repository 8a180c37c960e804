"""Docs that cannot rot: the README's settings, CLI help, routes, mutations and MQTT topics are generated
from the code, and this fails when someone changed the code without `make docs`. The lists checked here are
read from the code itself (settings, the mutator registry, the app's routes, the adapters, the CLI), so a new
one is covered the day it is added; the CONTRACT.md names are checked to still exist in the code."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Names CONTRACT.md promises: they must stay in the code (and so, by the checks below, in the README).
CONTRACT_SETTINGS = ["FIELDOPS_DATA_DIR", "FIELDOPS_HOST", "FIELDOPS_PORT", "FIELDOPS_MQTT_URL", "FIELDOPS_ESCALATE_AFTER_S",
                     "FIELDOPS_PUSH_INSECURE_HOSTS", "FIELDOPS_MQTT_CLIENT_ID", "FIELDOPS_MQTT_SHARE_GROUP", "FIELDOPS_CONSENT_SIGNATURE",
                     "FIELDOPS_RECEIPT_LINK_DAYS"]
CONTRACT_MUTATIONS = ["create_work_order", "dispatch", "accept", "arrive", "confirm_scope", "add_note", "attach_photo", "complete", "sign_off",
                      "defer", "call_back", "cancel", "ack_alarm", "resolve_alarm", "start_shift", "end_shift", "receive_handover",
                      "set_service_target"]
CONTRACT_ROUTES = ["/api/v1/auth/login", "/api/v1/mutations/{name}", "/api/v1/work-orders/{work_order_id}", "/api/v1/sync/push",
                   "/api/v1/sync/pull", "/api/v1/blobs/{sha256}", "/api/v1/alarms", "/api/v1/push/key", "/api/v1/push/subscriptions",
                   "/api/v1/reports/monthly", "/api/v1/service-targets", "/api/v1/shifts", "/health", "/metrics"]
CONTRACT_COMMANDS = ["serve", "site add", "user add", "device add"]


def readme() -> str:
    return (ROOT / "README.md").read_text()


def settings_in_code() -> list[str]:
    from server.settings import Settings, env_name

    return [env_name(field) for field in Settings.__struct_fields__]


def mutations_in_code() -> list[str]:
    from server.domain.registry import all_mutators

    return sorted(all_mutators())


def routes_in_code() -> list[str]:
    """Every route of the app, from its own OpenAPI schema (built in a child process, as ops/readme.py builds it)."""
    done = subprocess.run([sys.executable, "-c", ROUTES_OF_THE_APP], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


ROUTES_OF_THE_APP = """
import json, tempfile
from server.http.app import create_app
from server.settings import from_env
with tempfile.TemporaryDirectory() as tmp:
    print(json.dumps(sorted(create_app(from_env(data_dir=tmp, mqtt_url="off")).openapi_schema.to_schema()["paths"])))
"""


def topics_in_code() -> list[str]:
    from iot.adapters import ADAPTERS

    return [topic for adapter in ADAPTERS for topic in adapter.topic_filters]


def commands_in_code() -> list[str]:
    from server.cli import build_parser

    found: list[str] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append(f"{prefix}{name}")
                    walk(sub, f"{prefix}{name} ")

    walk(build_parser(), "")
    return found


def test_the_readme_reference_sections_match_the_code():
    done = subprocess.run([sys.executable, "ops/readme.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + "\n(run `make docs` and commit README.md)"


def test_the_contracts_names_are_all_still_in_the_code():
    assert not set(CONTRACT_SETTINGS) - set(settings_in_code())
    assert not set(CONTRACT_MUTATIONS) - set(mutations_in_code())
    assert not set(CONTRACT_ROUTES) - set(routes_in_code())
    assert not set(CONTRACT_COMMANDS) - set(commands_in_code())


def test_every_setting_mutation_route_topic_and_command_of_the_code_is_in_the_readme():
    text = readme()
    missing = [f"setting {name}" for name in settings_in_code() if f"`{name}`" not in text]
    missing += [f"mutation {name}" for name in mutations_in_code() if f"| `{name}` |" not in text]
    missing += [f"route {path}" for path in routes_in_code() if f"`{path}`" not in text]
    missing += [f"topic {topic}" for topic in topics_in_code() if topic not in text]
    missing += [f"command {name}" for name in commands_in_code() if f"$ fieldops {name} --help" not in text]
    assert not missing, missing
    assert "| `set_harm_ongoing` |" in text  # the one the hand-written list used to miss


def test_the_route_table_says_what_each_route_does():
    rows = [line for line in readme().splitlines() if line.startswith(("| GET ", "| POST ", "| PUT ", "| PATCH ", "| DELETE ", "| HEAD "))]
    assert len(rows) >= len(routes_in_code())
    vague = [row for row in rows if row.rsplit("|", 2)[-2].strip() in ("", "Get", "Post", "Put", "Patch", "Delete", "Head")]
    assert not vague, vague
