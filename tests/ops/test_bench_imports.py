"""Every benchmark in ops/bench/ still imports: a bench is run by hand, so a rename elsewhere breaks it silently
(instances.py once imported helpers alarm_pipeline.py no longer had)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(str(p.relative_to(ROOT).with_suffix("")).replace("/", ".") for p in (ROOT / "ops" / "bench").rglob("*.py")
                 if p.name != "__init__.py")


@pytest.mark.parametrize("module", BENCHES)
def test_the_benchmark_imports(module: str) -> None:
    loaded = importlib.import_module(module)
    assert loaded.__doc__, f"{module} says in its docstring what it measures"
