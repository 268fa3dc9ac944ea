"""Derive, don't transcribe: no exercise hands over its answer before the try.

For each graded exercise, the formula of its answer (written as code, in LaTeX or in plain
words: the patterns below) must not appear in what a learner reads before trying: the
markdown from the previous check down to the exercise, the exercise cell as released (its
docstring), its test cell, the first message its check gives (for the stub, and for an
answer that matches no known mistake), nor any hint but the last. After the check has
passed, the text may state and discuss it.
"""

from __future__ import annotations

import importlib
import re

import nbformat
import numpy as np
import pytest

from backprop.course.notebooks import grade_id, graded_cells
from backprop.grading import REGISTRY, CheckFailed, cases_for, check
from tests.conftest import ROOT

# Each lesson's answer patterns: tests/lessons/answers_lessonNN.py, one file per lesson.
_MODULES = [importlib.import_module(f"tests.lessons.{p.stem}")
            for p in sorted((ROOT / "tests" / "lessons").glob("answers_lesson[0-9][0-9].py"))]
ANSWERS = {k: v for m in _MODULES for k, v in m.ANSWERS.items()}
LESSONS = [m.LESSON for m in _MODULES]
NO_FORMULA = set().union(*(m.NO_FORMULA for m in _MODULES))


def _found(exercise_id: str, text: str) -> list[str]:
    return [p for p in ANSWERS.get(exercise_id, []) if re.search(p, text)]


def _before_the_try(lesson: str) -> dict[str, dict[str, str]]:
    """Per exercise: the markdown above it, its released cell, its test cell."""
    nb = nbformat.read(ROOT / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    tests = {c.grade_id: c for c in graded_cells(nb) if c.kind == "exercise"}
    found, markdown, stub = {}, [], ""
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in tests:
            found[tests[gid].target] = {"markdown above it": "\n".join(markdown),
                                        "exercise cell": stub, "test cell": cell.source}
            markdown, stub = [], ""
        elif cell.cell_type == "markdown":
            markdown.append(cell.source)
        elif cell.metadata.get("nbgrader", {}).get("solution"):
            stub = cell.source
    return found


CASES = [(lesson, ex.id) for lesson in LESSONS for ex in REGISTRY.values()
         if ex.lesson == lesson]


def test_every_graded_exercise_of_these_lessons_has_its_answer_patterns():
    assert {ex_id for _, ex_id in CASES} == set(ANSWERS) | NO_FORMULA


@pytest.mark.parametrize("ex_id", sorted(ANSWERS))
def test_the_patterns_find_the_answer_where_it_is_given(ex_id):
    # The last hint or the solution notebook states the answer: the patterns must see it
    # there, or the tests below could never fail.
    ex = REGISTRY[ex_id]
    nb = nbformat.read(ROOT / "solutions" / ex.lesson / f"{ex.lesson}.ipynb", as_version=4)
    assert _found(ex_id, ex.hints[-1]) or _found(ex_id, "\n".join(c.source for c in nb.cells))


@pytest.mark.parametrize(("lesson", "ex_id"), CASES)
def test_nothing_before_the_try_gives_the_answer(lesson, ex_id):
    for where, text in _before_the_try(lesson)[ex_id].items():
        assert not _found(ex_id, text), f"{ex_id}: the {where} gives the answer"


@pytest.mark.parametrize(("lesson", "ex_id"), CASES)
def test_the_last_hint_alone_may_give_the_formula(lesson, ex_id):
    for k, hint in enumerate(REGISTRY[ex_id].hints[:-1], 1):
        assert not _found(ex_id, hint), f"{ex_id}: hint {k} of {len(REGISTRY[ex_id].hints)}"


def _unknown_answer(ex_id: str):
    """An answer that matches no known mistake: the reference's shapes, every value 0.123.

    The values are made before the check (the check refuses a function that calls the
    reference), one per case, in the order the check calls it.
    """
    outputs = iter([REGISTRY[ex_id].reference(*case.args)
                    for case in cases_for(ex_id, hidden=False)])

    def wrong(value):  # a number or an array of numbers; anything else (a cache) as it is
        if isinstance(value, list):  # a list of arrays (minibatches' index batches)
            return [wrong(v) for v in value]
        if isinstance(value, np.ndarray) and value.dtype.kind in "iu":  # indices stay integers
            return np.full(value.shape, 1, dtype=value.dtype)
        if isinstance(value, float | int | np.ndarray | np.floating):
            return np.full(np.shape(value), 0.123)
        return value

    def answer(*args):
        out = next(outputs)
        return tuple(wrong(o) for o in out) if isinstance(out, tuple) else wrong(out)

    return answer


@pytest.mark.parametrize(("lesson", "ex_id"), [c for c in CASES if REGISTRY[c[1]].harness is None])
def test_a_failed_check_points_to_the_hints_and_not_to_the_answer(lesson, ex_id):
    def stub(*args):
        raise NotImplementedError

    for fn, says in ((stub, "not written yet"), (_unknown_answer(ex_id), "not right yet")):
        with pytest.raises(CheckFailed) as info:
            check(ex_id, fn)
        message = str(info.value)
        assert says in message, message[:300]  # the first message of that kind, not another
        assert not _found(ex_id, message), f"{ex_id}: {message[:300]}"
