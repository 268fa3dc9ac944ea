"""Lesson 05_momentum: independent solutions pass, and every known mistake is named.

The five per-exercise tests (tests/grading/helpers.py), on this lesson's exercises only.
"""

import numpy as np
import pytest

from backprop.grading import REGISTRY, CheckFailed, check
from tests.grading.helpers import (
    assert_a_correct_function_passes,
    assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name,
    assert_a_solution_through_the_wire_gets_checks_verdict,
    assert_the_mistake_is_recognised_with_its_own_message,
    assert_the_packages_own_function_is_refused,
    exercise_ids,
    mistakes_of,
)

pytestmark = pytest.mark.lesson5

LESSON = "05_momentum"


# Written independently of the package's references, as a learner would.
def _sgd_momentum(w, dw, config):
    velocity = config.get("velocity")
    if velocity is None:
        velocity = np.zeros(w.shape)
    velocity = config["momentum"] * velocity - config["learning_rate"] * dw
    config["velocity"] = velocity
    return w + velocity, config


def _nesterov(w, dw, config):
    # The other common form: w + β·v_new − lr·dw, which equals w − β·v + (1 + β)·v_new.
    beta, lr = config["momentum"], config["learning_rate"]
    v = config.get("velocity", np.zeros_like(w))
    new = dict(config)  # a new dict is fine too: the returned config is what counts
    new["velocity"] = beta * v - lr * dw
    return w + beta * new["velocity"] - lr * dw, new


def _lr_per_step(lr0, drop, every, epochs, steps_per_epoch):
    per_epoch = [lr0 * drop ** (e // every) for e in range(epochs)]
    return np.repeat(np.array(per_epoch, dtype=float), steps_per_epoch)


def _minibatches(n, batch_size, rng):
    order = np.arange(n)
    rng.shuffle(order)  # the same draws as rng.permutation(n)
    start = 0
    while start < n:  # a generator: the check lists it
        yield order[start:start + batch_size]
        start += batch_size


def _adam(w, dw, config):
    # Written as the unrolled averages' correction: divide by the weights' total.
    config = dict(config)
    t = config.get("t", 0) + 1
    m = config["beta1"] * config.get("m", 0.0) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", 0.0) + (1 - config["beta2"]) * np.square(dw)
    total_1 = 1.0 - config["beta1"] ** t
    total_2 = 1.0 - config["beta2"] ** t
    config.update(m=m, v=v, t=t)
    return w - config["learning_rate"] * (m / total_1) / (np.sqrt(v / total_2)
                                                          + config["epsilon"]), config


def _clip_by_norm(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads.values()])
    norm = float(np.linalg.norm(flat))
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: factor * g for name, g in grads.items()}, norm


SOLUTIONS = {
    "adam": _adam,
    "clip_by_norm": _clip_by_norm,
    "sgd_momentum": _sgd_momentum,
    "nesterov": _nesterov,
    "lr_per_step": _lr_per_step,
    "minibatches": _minibatches,
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


def test_clipping_in_place_is_refused_saying_so():
    def in_place(grads, max_norm):
        norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
        if norm > max_norm:
            for g in grads.values():
                g *= max_norm / norm
        return grads, norm

    with pytest.raises(CheckFailed, match="changed its input grads in place"):
        check("clip_by_norm", in_place)


def test_adam_at_t_1_the_second_moment_is_1000_times_too_small_without_the_correction():
    # The lesson's figure: v_1 = (1 − β2)·g², and the correction divides by 1 − β2¹ = 0.001.
    config = {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    dw = np.array([2.0])
    _, config = REGISTRY["adam"].reference(np.zeros(1), dw, config)
    np.testing.assert_allclose(config["v"] * 1000, dw**2)
