"""The committed notebooks: clean (no outputs), and following the course's conventions."""

from __future__ import annotations

import nbformat
import pytest

from backprop.grading import REGISTRY
from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb")) + sorted(
    (ROOT / "lessons").glob("*/*.ipynb")
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_notebooks_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"cells {dirty} have outputs: run `backprop-course strip`"
    assert "widgets" not in nb.metadata


SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_notebooks_follow_the_conventions(path):
    assert path.stem == path.parent.name, "solutions/NN_topic/NN_topic.ipynb"
    nb = nbformat.read(path, as_version=4)
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "sys.path" not in sources and "import *" not in sources
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
             and c.cell_type == "code"]
    assert len(tests) >= 4
    for cell in tests:
        assert cell.source.startswith('"""Check that'), cell.source
        assert "### BEGIN HIDDEN TESTS" in cell.source, cell.metadata["nbgrader"]["grade_id"]
        assert "raises-exception" in cell.metadata.get("tags", []), cell.source
    lesson = path.parent.name
    for ex in REGISTRY.values():
        if ex.lesson == lesson:
            assert f'check("{ex.id}", {ex.id})' in sources, f"{ex.id} is never checked"
            assert f'check("{ex.id}", {ex.id}, hidden=True)' in sources
