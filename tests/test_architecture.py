"""The package layout is the architecture: every module of server/, sync/, iot/ and ops/ is read with `ast`, its imports
(function-level ones too) make a graph, and that graph has no cycle and imports only downwards through the layers."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("server", "sync", "iot", "ops")

# Lowest first: a module imports its own layer or the ones before it, never a later one. A module belongs to the
# layer of the longest prefix naming it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Leased claims (server/claims.py) are rows of the store any layer may take a turn on (the outbox, the timers).
    ("core", ("server.errors", "server.clock", "server.ids", "server.settings", "server.logs", "server.metrics", "server.store",
              "server.claims")),
    ("push wire", ("server.push",)),  # Web Push's message and delivery (RFC 8291/8292), no rules of ours
    # The rules of the business. Passwords and sessions (server/auth.py) are the accounts' own: accounts.py adds users through them.
    ("domain", ("server.domain", "server.auth", "server.login_throttle")),
    ("engines", ("sync", "iot")),  # offline sync and the MQTT side, each calling into the domain
    ("app", ("server",)),  # Services and the parts it wires: blobs, receipts, reports, timers, the outbox worker
    ("http", ("server.http",)),
    ("entry points", ("server.cli", "server.ops", "server.extensions")),
    ("tools", ("ops",)),  # benchmarks, the README generator, the simulator's script: nothing imports them
)
# Third-party packages the domain must not know (STYLE.md rule 1), besides the layers above it.
NOT_IN_THE_DOMAIN = ("litestar", "paho", "uvicorn")

def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imported_names(name: str, path: Path) -> set[str]:
    """Every module name `name` imports anywhere in its body (inside functions too), relative imports resolved."""
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            # `from package import module` imports the module; `from module import name` the module itself.
            names.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)
    return names


def ours(name: str) -> str | None:
    """The module of ours `name` loads (the longest known prefix: `server.store.Tx` is `server.store`)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or None


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        graph[name] = {m for m in map(ours, imported_names(name, path)) if m and m != name}
    return graph


GRAPH = import_graph()


def layer_of(module: str) -> int:
    best, depth = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = index, prefix.count(".")
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one cycle through them."""
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_a_cycle(graph, set(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _a_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest way round from the component's first module back to it, to name in a failure."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    following.append(w)
        frontier = following
    return sorted(component)


def test_no_module_imports_another_that_imports_it_back():
    found = cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_packages_import_only_downwards_through_the_layers():
    upwards = [f"{v} ({LAYERS[layer_of(v)][0]}) imports {w} ({LAYERS[layer_of(w)][0]})"
               for v, ws in sorted(GRAPH.items()) for w in sorted(ws) if layer_of(w) > layer_of(v)]
    assert not upwards, "\n".join(upwards)


def test_the_domain_imports_neither_http_sync_iot_nor_litestar_and_paho():
    domain = [name for name in MODULES if layer_of(name) == [n for n, _ in LAYERS].index("domain")]
    wrong = [f"{name} imports {imported}" for name in domain for imported in sorted(imported_names(name, MODULES[name]))
             if imported.split(".")[0] in (*NOT_IN_THE_DOMAIN, "sync", "iot") or imported.startswith("server.http")]
    assert not wrong, "\n".join(wrong)


def test_the_graph_sees_function_level_and_relative_imports():
    # The checks are only as good as the graph: a lazy import inside a function counts as an import.
    assert "server.http.app" in GRAPH["server.ops.core_commands"]  # imported inside the function that serves
    assert "server.domain.mutators" in GRAPH["server.domain.registry"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
