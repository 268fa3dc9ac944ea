"""Derive, don't transcribe (lessons 1-3): no exercise hands over its answer before the try.

For each graded exercise, the formula of its answer (written as code, in LaTeX or in plain
words: the patterns below) must not appear in what a learner reads before trying: the
markdown from the previous check down to the exercise, the exercise cell as released (its
docstring), its test cell, the first message its check gives (for the stub, and for an
answer that matches no known mistake), nor any hint but the last. After the check has
passed, the text may state and discuss it.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from backprop.course.notebooks import grade_id, graded_cells
from backprop.grading import REGISTRY, CheckFailed, cases_for, check
from tests.conftest import ROOT

_ = r"\s*"
MINUS = r"[-−]"
TIMES = r"(?:\*|·|\\cdot|×)?"

# Each exercise's answer, in the forms a lesson might write it.
ANSWERS = {
    "numerical_derivative": [
        rf"\(f\(x{_}\+{_}h\){_}{MINUS}{_}f\(x{_}{MINUS}{_}h\)\){_}/{_}\(?2{_}{TIMES}{_}h",
        rf"\\frac\{{f\(x{_}\+{_}h\){_}{MINUS}{_}f\(x{_}{MINUS}{_}h\)\}}\{{2{_}h\}}",
    ],
    "dsin_square": [rf"\\?cos{_}\(?x{_}(?:\^{_}2|\*\*{_}2|²)\)?{_}{TIMES}{_}2{_}{TIMES}{_}x",
                    rf"2{_}{TIMES}{_}x{_}{TIMES}{_}\\?cos{_}\(x"],
    "mul_backward": [rf"dx{_}={_}dout{_}{TIMES}{_}y\b", rf"dy{_}={_}dout{_}{TIMES}{_}x\b"],
    "tanh_backward": [rf"1{_}{MINUS}{_}\\?(?:text\{{)?out\}}?{_}(?:\*\*{_}2|\^{_}2|²|\*{_}out)"],
    "neuron_backward": [rf"dw1{_}={_}(?:dn|do){_}{TIMES}{_}x1",
                        rf"1{_}{MINUS}{_}o{_}(?:²|\*\*{_}2)"],
    "sigmoid_backward": [rf"out{_}{TIMES}{_}\(?1{_}{MINUS}{_}out\)?",
                         rf"\\sigma\(z\){_}{TIMES}{_}\(1{_}{MINUS}{_}\\sigma\(z\)\)"],
    "bce_gradients": [rf"\(?(?:ŷ|\\hat\{{?y\}}?|y_hat|yhat){_}{MINUS}{_}y\)?{_}/{_}N"],
    "mse_gradients": [rf"2{_}{TIMES}{_}\((?:ŷ|\\hat\{{?y\}}?|y_hat|yhat){_}{MINUS}{_}y\)"],
    "affine_backward": [rf"dout{_}@{_}W\.T", rf"x\.T{_}@{_}dout"],
    "sum_to_shape": [rf"sum\(axis{_}={_}tuple\(range"],
    "relu_backward": [rf"dout{_}\*{_}\(x{_}>{_}0\)"],
    "softmax_cross_entropy": [rf"\(P{_}{MINUS}{_}Y\){_}/{_}N", rf"p{_}{MINUS}{_}onehot"],
    "two_layer_loss": [rf"da1{_}={_}dh{_}{TIMES}{_}\(", rf"dh{_}={_}dscores{_}@{_}W2\.T"],
}
LESSONS = ["01_chain_rule", "02_single_neuron", "03_mlp"]


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


# A forward pass (the statement is the answer), a step rule and the class exercise, whose
# statement is a specification: their hints and checks are tested in their lesson's tests.
NO_FORMULA = {"affine_forward", "neuron_forward", "gd_step", "Scalar"}


def test_every_graded_exercise_of_lessons_1_to_3_has_its_answer_patterns():
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
