"""Lesson 01_chain_rule: independent solutions pass, and every known mistake is named.

The five per-exercise tests (tests/grading/helpers.py), on this lesson's exercises only.
"""

import math

import numpy as np
import pytest

from backprop.grading import REGISTRY, CheckFailed, cases_for, check
from backprop.scalar import Value
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


class _Var:
    """A learner's own autograd class, written differently from the package's reference."""

    def __init__(self, data):
        self.data, self.grad = data, 0.0
        self.parents, self.rule = [], None

    def _node(self, data, parents, rule):
        out = _Var(data)
        out.parents, out.rule = parents, rule
        return out

    def __add__(self, other):
        def rule(g):
            self.grad += g
            other.grad += g
        return self._node(self.data + other.data, [self, other], rule)

    def __mul__(self, other):
        def rule(g):
            self.grad += g * other.data
            other.grad += g * self.data
        return self._node(self.data * other.data, [self, other], rule)

    def tanh(self):
        t = math.tanh(self.data)

        def rule(g):
            self.grad += g * (1 - t**2)
        return self._node(t, [self], rule)

    def backward(self):
        # Kahn's algorithm on the reversed graph: count each node's users first.
        users, stack, seen = {}, [self], {id(self)}
        nodes = []
        while stack:
            node = stack.pop()
            nodes.append(node)
            for p in node.parents:
                users[id(p)] = users.get(id(p), 0) + 1
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        for node in nodes:
            if node.parents:
                node.grad = 0.0
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            if node.rule is not None:
                node.rule(node.grad)
            for p in node.parents:
                users[id(p)] -= 1
                if users[id(p)] == 0:
                    ready.append(p)


SOLUTIONS = {
    "numerical_derivative": _numerical_derivative,
    "dsin_square": _dsin_square,
    "mul_backward": _mul_backward,
    "tanh_backward": _tanh_backward,
    "neuron_backward": _neuron_backward,
    "Scalar": _Var,
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


# -- Scalar: the learner's own class, run through the harness --------------------------


def test_the_packages_value_class_is_refused():
    with pytest.raises(CheckFailed, match="backprop's own version"):
        check("Scalar", Value)


def test_a_subclass_of_the_packages_value_is_refused_with_a_clear_type_error():
    class Mine(Value):
        pass

    with pytest.raises(CheckFailed) as info:
        check("Scalar", Mine)
    message = str(info.value)
    assert "raised TypeError" in message and "build your own class" in message, message


def test_a_factory_of_the_packages_values_is_refused_too():
    with pytest.raises(CheckFailed, match="build your own class"):
        check("Scalar", lambda data: Value(data))


def test_the_harness_returns_plain_results_of_a_small_program():
    harness = REGISTRY["Scalar"].harness
    # y = (a * b) * (a + b) at a = 3, b = 2: dy/da = 16, dy/db = 21; twice: the leaves double.
    ops = [("mul", 0, 1), ("add", 0, 1), ("mul", 2, 3)]
    assert harness(_Var, [3.0, 2.0], ops, 1) == ("ok", 30.0, [16.0, 21.0])
    assert harness(_Var, [3.0, 2.0], ops, 2) == ("ok", 30.0, [32.0, 42.0])


def test_the_harness_reports_a_recursion_error_as_a_plain_result():
    harness = REGISTRY["Scalar"].harness
    recursive = next(m.compute for m in REGISTRY["Scalar"].mistakes if m.name == "recursive")
    deep = cases_for("Scalar", hidden=False)[-1]
    status, data, grads = harness(recursive, *deep.args)
    assert (status, grads) == ("RecursionError", []) and math.isfinite(data)


@pytest.mark.parametrize("hidden", [False, True])
def test_the_deep_chain_is_10000_nodes_deep(hidden):
    deep = cases_for("Scalar", hidden=hidden)[-1]
    leaves, ops, _ = deep.args
    nodes = sum(2 * op[4] if op[0] == "chain" else 1 for op in ops)
    assert nodes >= 10_000, nodes
    # An iterative walk gets through it, with the reference's grads.
    got = REGISTRY["Scalar"].harness(_Var, *deep.args)
    want = REGISTRY["Scalar"].harness(REGISTRY["Scalar"].reference, *deep.args)
    assert got[0] == "ok" and np.allclose(got[2], want[2]) and got[2] != [0.0] * len(leaves)


def test_the_class_has_the_required_known_mistakes():
    # Each is recognised with its own message by the parametrised tests above.
    names = {m.name for m in REGISTRY["Scalar"].mistakes}
    assert {"recursive", "assign", "forward_order", "no_seed", "kept"} <= names
