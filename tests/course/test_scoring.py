"""Quiz scores are decided outside the learner's process, from plain data, for every form."""

from __future__ import annotations

import pytest

from backprop.course.notebooks import GradedCell
from backprop.course.sandbox.runner import _plain_answer
from backprop.course.scoring import _judge_quiz


def _cell(form: str, answer: object, **tolerance: float) -> GradedCell:
    return GradedCell("q5-test", 1.0, "quiz", "q5", "q5", answer, form=form, **tolerance)


@pytest.mark.parametrize(("cell", "value", "points"), [
    (_cell("choice", "b"), "b", 1.0),
    (_cell("choice", "b"), "c", 0.0),
    (_cell("number", 0.25, atol=1e-3), 0.2502, 1.0),
    (_cell("number", 0.25, atol=1e-3), 0.26, 0.0),
    (_cell("number", 0.25), "0.25", 0.0),
    (_cell("shape", (784, 100)), [784, 100], 1.0),  # a shape crosses the wire as a list
    (_cell("shape", (784, 100)), [100, 784], 0.0),
    (_cell("shape", (784, 100)), None, 0.0),
])
def test_each_form_is_scored_from_the_plain_answer(cell, value, points):
    score = _judge_quiz(cell, {"q5": value})
    assert score.score == points and score.max_score == 1.0, score.message


def test_anything_but_plain_data_scores_zero():
    assert _judge_quiz(_cell("number", 1.0), {"q5": object()}).score == 0.0
    assert _judge_quiz(_cell("number", 1.0), "not a dict").score == 0.0


@pytest.mark.parametrize(("value", "plain"), [
    ("b", "b"), (1.5, 1.5), ([3, 4], [3, 4]), ([3, "4"], None), ([True], None),
    (list(range(40)), None), ({"q": 1}, None),
])
def test_the_runner_hands_back_only_plain_answers(value, plain):
    assert _plain_answer(value) == plain
