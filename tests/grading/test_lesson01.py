"""Lesson 01_chain_rule: independent solutions pass, and every known mistake is named.

The five per-exercise tests (tests/grading/helpers.py), on this lesson's exercises only.
"""

import math

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

pytestmark = pytest.mark.lesson1

LESSON = "01_chain_rule"


# Written independently of the package's references, as a learner would.
def _numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def _dsin_square(x):
    return 2 * x * math.cos(x**2)


def _mul_backward(dout, cache):
    x, y = cache
    return y * dout, x * dout


def _tanh_backward(dout, cache):
    return (1 - cache**2) * dout


def _neuron_backward(x1, x2, w1, w2, b):
    o = math.tanh(w1 * x1 + w2 * x2 + b)
    local = 1 - o**2
    return o, local * x1, local * x2, local


SOLUTIONS = {
    "numerical_derivative": _numerical_derivative,
    "dsin_square": _dsin_square,
    "mul_backward": _mul_backward,
    "tanh_backward": _tanh_backward,
    "neuron_backward": _neuron_backward,
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
