"""Lesson 02_single_neuron: independent solutions pass, and every known mistake is named.

The five per-exercise tests (tests/grading/helpers.py), on this lesson's exercises only.
"""

import numpy as np
import pytest

from tests.grading.helpers import (
    assert_a_correct_function_passes,
    assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name,
    assert_a_solution_through_the_wire_gets_checks_verdict,
    assert_the_mistake_is_recognised_with_its_own_message,
    assert_the_packages_own_function_is_refused,
    exercise_ids,
    mistakes_of,
)

pytestmark = pytest.mark.lesson2

LESSON = "02_single_neuron"


# Written independently of the package's references, as a learner would.
def _neuron_forward(x, w, b):
    z = x @ w + b
    return 1 / (1 + np.exp(-z))


def _sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)


def _mse_gradients(x, w, b, y):
    n = x.shape[0]
    y_hat = 1 / (1 + np.exp(-(x @ w + b)))
    loss = np.sum((y_hat - y) ** 2) / n
    dz = (2 / n) * (y_hat - y) * y_hat * (1 - y_hat)
    dw = np.zeros_like(w)
    for i in range(n):  # one sample at a time, as a first attempt often is
        dw += dz[i] * x[i]
    return loss, dw, dz.sum()


def _gd_step(w, b, dw, db, learning_rate):
    w_new = w.copy()
    w_new -= learning_rate * dw
    return w_new, b - learning_rate * db


def _bce_gradients(x, w, b, y):
    y_hat = 1 / (1 + np.exp(-(x @ w + b)))
    loss = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    dz = (y_hat - y) / len(y)
    return loss, dz @ x, np.sum(dz)


SOLUTIONS = {
    "neuron_forward": _neuron_forward,
    "sigmoid_backward": _sigmoid_backward,
    "mse_gradients": _mse_gradients,
    "gd_step": _gd_step,
    "bce_gradients": _bce_gradients,
}

EXERCISES = exercise_ids(LESSON)
MISTAKES = mistakes_of(EXERCISES)


def test_every_exercise_of_the_lesson_has_an_independent_solution_here():
    assert EXERCISES, "no exercise of the lesson is registered"
    assert set(SOLUTIONS) == set(EXERCISES)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_correct_function_passes(ex_id, hidden, capsys):
    assert_a_correct_function_passes(ex_id, SOLUTIONS[ex_id], hidden, capsys)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("ex_id", "name"), MISTAKES)
def test_every_known_mistake_is_recognised_with_its_own_message(ex_id, name, hidden):
    assert_the_mistake_is_recognised_with_its_own_message(ex_id, name, hidden)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_the_packages_own_function_is_refused(ex_id):
    assert_the_packages_own_function_is_refused(ex_id)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_solution_through_the_wire_gets_checks_verdict(ex_id, hidden, tmp_path):
    assert_a_solution_through_the_wire_gets_checks_verdict(ex_id, SOLUTIONS[ex_id], hidden,
                                                           tmp_path)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("ex_id", "name"), MISTAKES)
def test_a_known_mistake_through_the_wire_gets_checks_verdict_and_its_name(
        ex_id, name, hidden, tmp_path):
    assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name(ex_id, name, hidden,
                                                                       tmp_path)


# Derive, don't transcribe: the formula each backward exercise asks the learner to derive,
# as it would be written in a message (spaces ignored). Only the last hint may give it.
_ANSWERS = {
    "sigmoid_backward": ("out*(1-out)", "σ(1-σ)"),
    "mse_gradients": ("2*(y_hat-y)/N*y_hat*(1-y_hat)", "dy_hat*y_hat*(1-y_hat)"),
    "gd_step": ("w-learning_rate*dw", "b-learning_rate*db"),
    "bce_gradients": ("(y_hat-y)/N",),
}


def _squeezed(text):
    return "".join(text.split())


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_each_exercise_has_a_ladder_of_three_hints(ex_id):
    from backprop.grading import REGISTRY

    assert len(REGISTRY[ex_id].hints) == 3


@pytest.mark.parametrize("ex_id", sorted(_ANSWERS))
def test_no_mistake_message_nor_early_hint_hands_over_the_formula(ex_id):
    from backprop.grading import REGISTRY

    ex = REGISTRY[ex_id]
    texts = [m.message for m in ex.mistakes] + list(ex.hints[:-1])
    for text in texts:
        for formula in _ANSWERS[ex_id]:
            assert formula not in _squeezed(text), (ex_id, text)
    assert any(f in _squeezed(ex.hints[-1]) for f in _ANSWERS[ex_id]), "the last hint gives it"


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_each_exercise_keeps_at_least_four_known_mistakes(ex_id):
    from backprop.grading import REGISTRY

    assert len(REGISTRY[ex_id].mistakes) >= 4
