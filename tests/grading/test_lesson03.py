"""Lesson 03_mlp: independent solutions pass, and every known mistake is named.

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

pytestmark = pytest.mark.lesson3

LESSON = "03_mlp"


# Written independently of the package's references, as a learner would.
def _affine_forward(x, W, b):
    return np.dot(x, W) + b[np.newaxis, :], (x, W, b)


def _affine_backward(dout, cache):
    x, W, b = cache
    dx = np.dot(dout, W.T)
    dW = np.einsum("nd,nh->dh", x, dout)  # the sum over the batch of outer products
    db = np.einsum("nh->h", dout)
    return dx, dW, db


def _sum_to_shape(dout, shape):
    # Pad the shape with leading 1s, then sum every axis where it is 1 and dout isn't.
    padded = (1,) * (dout.ndim - len(shape)) + tuple(shape)
    axes = tuple(i for i, (s, d) in enumerate(zip(padded, dout.shape, strict=True))
                 if s == 1 and d != 1)
    return np.add.reduce(dout, axis=axes, keepdims=True).reshape(shape)


def _relu_backward(dout, cache):
    x = cache
    dx = np.array(dout, dtype=np.float64, copy=True)
    dx[x <= 0] = 0.0
    return dx


def _softmax_cross_entropy(scores, y):
    n = scores.shape[0]
    z = scores - np.max(scores, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    loss = -np.sum(log_p[np.arange(n), y]) / n
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1
    return loss, dscores / n


def _two_layer_loss(X, y, W1, b1, W2, b2):
    z1 = X @ W1 + b1
    h = np.where(z1 > 0, z1, 0.0)
    scores = h @ W2 + b2
    loss, dscores = _softmax_cross_entropy(scores, y)
    dW2 = h.T @ dscores
    db2 = dscores.sum(axis=0)
    dz1 = (dscores @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0)
    return loss, dW1, db1, dW2, db2


SOLUTIONS = {
    "affine_forward": _affine_forward,
    "affine_backward": _affine_backward,
    "sum_to_shape": _sum_to_shape,
    "relu_backward": _relu_backward,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "two_layer_loss": _two_layer_loss,
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
