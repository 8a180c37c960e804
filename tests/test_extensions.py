"""The extension points cannot drift: each one in server/extensions.py is documented in the README with every entry,
is one immutable list (nothing can append itself on import), and what a mutator answers has a renderer."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from server.extensions import POINTS, the_list

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("<!-- generated:extensions -->", 1)[-1].split("<!-- /generated:extensions -->", 1)[0]


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_each_extension_point_and_all_its_entries_are_in_the_readme(point):
    row = next((line for line in SECTION.splitlines() if line.startswith(f"| `{point.name}` | `{point.home}` |")), None)
    assert row is not None, f"{point.name} is not in the README's extension points (run `make docs`)"
    assert point.doc and "\n" not in point.doc and point.doc in row
    missing = [entry for entry in point.entries() if f"`{entry}`" not in row]
    assert point.entries() and not missing, missing


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_each_extension_point_is_one_immutable_list(point):
    assert isinstance(the_list(point), (tuple, MappingProxyType)), f"{point.home}.{point.name} must be a tuple or a read-only mapping"


def test_the_readme_names_no_extension_point_the_code_lacks():
    listed = [line.split("`")[1] for line in SECTION.splitlines() if line.startswith("| `")]
    assert listed == [point.name for point in POINTS]


def test_every_mutator_answers_a_type_with_a_renderer_and_a_documented_answer():
    from server.domain.mutators import MUTATORS
    from server.http.schemas.answers import answer_types
    from server.services import RENDERERS

    answered = {m.answers for m in MUTATORS.values()}
    assert answered <= set(RENDERERS), answered - set(RENDERERS)
    assert set(RENDERERS) == set(answer_types())
