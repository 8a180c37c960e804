"""Regenerates the README's reference sections from the code: settings, extension points, CLI help, routes, mutations, MQTT topics.

Run `make docs` (or `python ops/readme.py`) after changing any of them; tests/test_docs.py fails when the README is stale.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
README = ROOT / "README.md"


def settings_table() -> str:
    from server.settings import env_name, Settings

    tree = ast.parse((ROOT / "server" / "settings.py").read_text())
    docs: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Settings":
            body = node.body
            for i, stmt in enumerate(body):
                if isinstance(stmt, ast.AnnAssign) and i + 1 < len(body) and isinstance(body[i + 1], ast.Expr):
                    docs[stmt.target.id] = body[i + 1].value.value  # type: ignore[union-attr]
    defaults = Settings()
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for field in Settings.__struct_fields__:
        default = getattr(defaults, field)
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
        meaning = docs.get(field, "").split(":", 1)[-1].strip()
        rows.append(f"| `{env_name(field)}` | `{shown or '(none)'}` | {meaning} |")
    return "\n".join(rows)


def cli_help() -> str:
    from server.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix it so the output is the same everywhere
    parser = build_parser()
    parts = []

    def walk(p, name: str) -> None:  # type: ignore[no-untyped-def]
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            p.print_help()
        parts.append(f"$ {name} --help\n{buffer.getvalue().rstrip()}")
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}")

    walk(parser, "fieldops")
    return "```text\n" + "\n\n".join(parts).replace(str(ROOT), ".") + "\n```"


# Routes whose handlers are the framework's (no docstring of ours): what they are, for the route table.
FRAMEWORK_ROUTES = {
    ("get", "/metrics"): "Prometheus text format: HTTP request figures and the domain's (mutations, sync, alarms, pushes, overdue work).",
}


def routes_table() -> str:
    from server.http.app import create_app
    from server.settings import from_env
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(from_env(data_dir=tmp, mqtt_url="off"))
        schema = app.openapi_schema.to_schema()
    rows = ["| method | path | what |", "| --- | --- | --- |"]
    undocumented = []
    for path, ops in sorted(schema["paths"].items()):
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete", "head", "options"):
                # Litestar's `summary` is only the handler's name title-cased ("Get"): the docstring or a note says what it is
                what = (op.get("description") or "").strip() or FRAMEWORK_ROUTES.get((method, path), "")
                if not what:
                    undocumented.append(f"{method.upper()} {path}")
                rows.append(f"| {method.upper()} | `{path}` | {what.splitlines()[0].replace('|', '/') if what else ''} |")
    if undocumented:
        raise SystemExit(f"routes without a docstring (or a FRAMEWORK_ROUTES note): {', '.join(undocumented)}")
    return "\n".join(rows)


def mutations_table() -> str:
    from server.domain.registry import all_mutators

    rows = ["| mutation | arguments | roles | what it does |", "| --- | --- | --- | --- |"]
    for m in sorted(all_mutators().values(), key=lambda m: m.name):
        doc = m.doc.splitlines()[0] if m.doc else ""
        rows.append(f"| `{m.name}` | {', '.join(m.args_type.__struct_fields__)} | {', '.join(sorted(m.roles))} | {doc} |")
    return "\n".join(rows)


def topics_table() -> str:
    from iot.adapters import ADAPTERS

    rows = ["| source | topic filters |", "| --- | --- |"]
    for adapter in ADAPTERS:
        rows.append(f"| {adapter.name} | {', '.join(f'`{t}`' for t in adapter.topic_filters)} |")
    return "\n".join(rows)


def extensions_table() -> str:
    from server.extensions import POINTS

    rows = ["| point | where | what it is for | entries |", "| --- | --- | --- | --- |"]
    for point in POINTS:
        rows.append(f"| `{point.name}` | `{point.home}` | {point.doc} | {', '.join(f'`{e}`' for e in point.entries())} |")
    return "\n".join(rows)


SECTIONS = {"settings": settings_table, "extensions": extensions_table, "cli": cli_help, "routes": routes_table, "mutations": mutations_table, "topics": topics_table}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md lacks the markers for the generated section {name!r}")
        text = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main() -> int:
    current = README.read_text()
    fresh = render(current)
    if "--check" in sys.argv:
        if fresh != current:
            print("README.md is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
