"""Lesson 04_relu_vs_sigmoid: independent solutions pass, and every known mistake is named.

The five per-exercise tests (tests/grading/helpers.py), on this lesson's exercises only.
"""

import numpy as np
import pytest

from backprop.grading import REGISTRY
from tests.grading.helpers import (
    assert_a_correct_function_passes,
    assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name,
    assert_a_solution_through_the_wire_gets_checks_verdict,
    assert_the_mistake_is_recognised_with_its_own_message,
    assert_the_packages_own_function_is_refused,
    exercise_ids,
    mistakes_of,
)

pytestmark = pytest.mark.lesson4

LESSON = "04_relu_vs_sigmoid"


# Written independently of the package's references, as a learner would.
def _leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = np.array(dout, dtype=np.float64, copy=True)
    dx[x <= 0] *= alpha
    return dx


def _collapse_linear(W1, b1, W2, b2):
    W = np.einsum("dh,hc->dc", W1, W2)
    b = np.dot(b1, W2) + b2
    return W, b


def _he_init(fan_in, fan_out, rng):
    std = (2 / fan_in) ** 0.5
    return std * rng.standard_normal((fan_in, fan_out))


def _weight_gradient_norms(grads):
    layers = [int(k[1:]) for k in grads if k[0] == "W"]
    return np.array([np.linalg.norm(grads["W" + str(i)]) for i in sorted(layers)])


def _dead_relu_fraction(H):
    dead = 0
    for j in range(H.shape[1]):
        if not np.any(H[:, j] > 0):
            dead += 1
    return dead / H.shape[1]


def _residual_backward(dout, cache):
    (x, W1, b1), a, (h, W2, b2) = cache
    dh = np.einsum("nd,hd->nh", dout, W2)
    da = np.where(a > 0, dh, 0.0)
    dx = dout + np.einsum("nh,dh->nd", da, W1)  # the skip path, then the path through F
    return dx, np.einsum("nd,nh->dh", x, da), da.sum(axis=0), h.T @ dout, dout.sum(axis=0)


SOLUTIONS = {
    "leaky_relu_backward": _leaky_relu_backward,
    "collapse_linear": _collapse_linear,
    "he_init": _he_init,
    "weight_gradient_norms": _weight_gradient_norms,
    "dead_relu_fraction": _dead_relu_fraction,
    "residual_backward": _residual_backward,
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


@pytest.mark.parametrize("ex_id", exercise_ids(LESSON))
def test_every_exercise_has_a_ladder_from_a_nudge_to_the_formula(ex_id):
    ladder = REGISTRY[ex_id].hints
    assert len(ladder) == 3, ladder
    assert "?" in ladder[0], "the first level is a nudge: it asks, it doesn't tell"
