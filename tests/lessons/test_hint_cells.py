"""Every graded exercise shows its hint ladder, folded, in the cell right under its check."""

from __future__ import annotations

import nbformat
import pytest

from backprop.course.folders import lesson_ids
from backprop.course.notebooks import grade_id, graded_cells
from backprop.grading import REGISTRY
from tests.conftest import ROOT

LESSONS = lesson_ids(ROOT)


@pytest.mark.parametrize("top", ["solutions", "lessons"])
@pytest.mark.parametrize("lesson", LESSONS)
def test_the_cell_under_each_check_shows_its_hints(lesson, top):
    nb = nbformat.read(ROOT / top / lesson / f"{lesson}.ipynb", as_version=4)
    checks = {c.grade_id: c.target for c in graded_cells(nb) if c.kind == "exercise"}
    assert checks, f"{lesson} has no graded exercise"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        target = checks.get(grade_id(cell))
        if target is None:
            continue
        assert target in REGISTRY, target
        under = code[i + 1].source.strip() if i + 1 < len(code) else ""
        assert under == f'hints("{target}")', (
            f"{lesson}: the code cell under the check of {target} should be exactly "
            f'hints("{target}"), found {under[:80]!r}')
        assert "raises-exception" not in code[i + 1].metadata.get("tags", []), (
            "a hints cell never raises")


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_of_the_lesson_is_checked_in_its_notebook(lesson):
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    checked = {c.target for c in graded_cells(nb) if c.kind == "exercise"}
    registered = {ex.id for ex in REGISTRY.values() if ex.lesson == lesson}
    assert checked == registered
