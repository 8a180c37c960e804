"""Which error codes a function can answer, read from its source: each mutation's operation documents them.

Codes are the `code="..."` of the AppError subclasses a mutator raises, directly or through functions it calls
(followed across the server's modules), grouped by HTTP status. Read once, when the schema is built.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from typing import Any, Callable

from server import errors

_STATUS = {name: cls.status for name, cls in vars(errors).items() if isinstance(cls, type) and issubclass(cls, errors.AppError)}


@functools.cache
def _module_codes(module_name: str) -> tuple[dict[str, set[tuple[int, str]]], dict[str, set[str]]]:
    """Per top-level function of a module: the (status, code) pairs it raises itself, and the names it calls."""
    module = sys.modules[module_name]
    tree = ast.parse(inspect.getsource(module))
    raised: dict[str, set[tuple[int, str]]] = {}
    calls: dict[str, set[str]] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        raised[node.name], calls[node.name] = set(), set()
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Call):
                continue
            name = inner.func.id if isinstance(inner.func, ast.Name) else inner.func.attr if isinstance(inner.func, ast.Attribute) else ""
            calls[node.name].add(name)
            status = _STATUS.get(name) or _subclass_status(module, name)
            if not status:
                continue
            given = [kw.value.value for kw in inner.keywords
                     if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)]
            raised[node.name].update((status, code) for code in given or [_default_code(module, name)])
    return raised, calls


def _default_code(module: Any, name: str) -> str:
    cls = getattr(errors, name, None) or getattr(module, name)
    return cls.code


def _subclass_status(module: Any, name: str) -> int | None:
    cls = getattr(module, name, None)
    return cls.status if isinstance(cls, type) and issubclass(cls, errors.AppError) else None


def codes_of(fn: Callable[..., Any]) -> dict[int, set[str]]:
    """Status → codes `fn` may answer, following calls into functions of the server's own modules."""
    out: dict[int, set[str]] = {}
    seen: set[tuple[str, str]] = set()
    todo = [(fn.__module__, fn.__name__)]
    while todo:
        module_name, name = todo.pop()
        if (module_name, name) in seen or not module_name.startswith(("server.", "sync.")):
            continue
        seen.add((module_name, name))
        raised, calls = _module_codes(module_name)
        for status, code in raised.get(name, ()):
            out.setdefault(status, set()).add(code)
        module = sys.modules[module_name]
        for called in calls.get(name, ()):
            target = getattr(module, called, None)
            if inspect.isfunction(target):
                todo.append((target.__module__, target.__name__))
    return out
