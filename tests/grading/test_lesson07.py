"""Lesson 07_review's capstone: an independent solution passes, and its accept criterion
passes good predictions and fails the others.
"""

import numpy as np
import pytest

from backprop.course.sandbox import wire
from backprop.grading import (
    REGISTRY,
    CheckFailed,
    Outcome,
    cases_for,
    check,
    judge,
    outcome_from_data,
    outcome_to_data,
)
from backprop.grading.exercises.lesson07_review import (
    _TARGET,
    _accept_train_capstone,
    _ref_train_capstone,
)
from tests.grading.helpers import (
    assert_a_correct_function_passes,
    assert_a_solution_through_the_wire_gets_checks_verdict,
    assert_the_packages_own_function_is_refused,
    exercise_ids,
)

pytestmark = pytest.mark.lesson7

LESSON = "07_review"


# The capstone, in plain NumPy (affine, batch norm, ReLU, momentum).
def _train_capstone(X_train, y_train, X_test):
    # Plain NumPy, as a learner composing the lessons' layers by hand might write it:
    # affine -> batch norm -> ReLU, eight hidden layers, heavy-ball momentum and a step schedule.
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std < 1e-8] = 1.0
    Xtr, Xte = (X_train - mean) / std, (X_test - mean) / std
    rng = np.random.default_rng(42)
    widths = [64] + [80] * 8 + [10]
    p = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        p[f"W{i}"] = rng.standard_normal((a, b)) * np.sqrt(2.0 / a)
        p[f"b{i}"] = np.zeros(b)
        if i < len(widths) - 2:
            p[f"g{i}"], p[f"s{i}"] = np.ones(b), np.zeros(b)
    running = {i: [np.zeros(w), np.ones(w)] for i, w in enumerate(widths[1:-1])}
    velocity = {k: np.zeros_like(v) for k, v in p.items()}
    hidden = len(widths) - 2

    def forward(x, train):
        caches = []
        for i in range(hidden):
            z = x @ p[f"W{i}"] + p[f"b{i}"]
            if train:
                mu, var = z.mean(axis=0), z.var(axis=0)
                running[i][0] = 0.9 * running[i][0] + 0.1 * mu
                running[i][1] = 0.9 * running[i][1] + 0.1 * var
            else:
                mu, var = running[i]
            inv = 1.0 / np.sqrt(var + 1e-5)
            zhat = (z - mu) * inv
            h = np.maximum(0.0, p[f"g{i}"] * zhat + p[f"s{i}"])
            caches.append((x, zhat, inv, h))
            x = h
        return x @ p[f"W{hidden}"] + p[f"b{hidden}"], caches, x

    for epoch in range(18):
        lr = 0.05 * (0.2 ** (epoch // 6))
        order = rng.permutation(len(Xtr))
        for start in range(0, len(order), 32):
            rows = order[start:start + 32]
            scores, caches, last = forward(Xtr[rows], True)
            n = len(rows)
            probs = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(n), y_train[rows]] -= 1
            dout = probs / n
            grads = {f"W{hidden}": last.T @ dout, f"b{hidden}": dout.sum(axis=0)}
            dx = dout @ p[f"W{hidden}"].T
            for i in reversed(range(hidden)):
                x, zhat, inv, h = caches[i]
                dy = dx * (h > 0)
                grads[f"g{i}"] = (dy * zhat).sum(axis=0)
                grads[f"s{i}"] = dy.sum(axis=0)
                dzhat = dy * p[f"g{i}"]
                dz = inv / n * (n * dzhat - dzhat.sum(axis=0) - zhat * (dzhat * zhat).sum(axis=0))
                grads[f"W{i}"] = x.T @ dz
                grads[f"b{i}"] = dz.sum(axis=0)
                dx = dz @ p[f"W{i}"].T
            for k in p:
                velocity[k] = 0.9 * velocity[k] - lr * grads[k]
                p[k] = p[k] + velocity[k]
    scores, _, _ = forward(Xte, False)
    return np.argmax(scores, axis=1)


SOLUTIONS = {"train_capstone": _train_capstone}
EXERCISES = exercise_ids(LESSON)


def test_every_exercise_of_the_lesson_has_an_independent_solution_here():
    assert EXERCISES == ["train_capstone"]
    assert set(SOLUTIONS) == set(EXERCISES)


# The capstone has no known mistakes (it is open-ended): of the five per-exercise tests,
# the three that need none.


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_correct_function_passes(ex_id, hidden, capsys):
    assert_a_correct_function_passes(ex_id, SOLUTIONS[ex_id], hidden, capsys)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_the_packages_own_function_is_refused(ex_id):
    assert_the_packages_own_function_is_refused(ex_id)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_solution_through_the_wire_gets_checks_verdict(ex_id, hidden, tmp_path):
    assert_a_solution_through_the_wire_gets_checks_verdict(ex_id, SOLUTIONS[ex_id], hidden,
                                                           tmp_path)


# -- the accept criterion ----------------------------------------------------------------


EX = REGISTRY["train_capstone"]


def test_the_capstone_is_registered_with_the_lessons_private_reference_and_criterion():
    assert EX.reference is _ref_train_capstone and EX.accept is _accept_train_capstone
    assert EX.mistakes == () and _TARGET == 0.97


@pytest.fixture(scope="module", params=[False, True], ids=["visible", "hidden"])
def case(request):
    (case,) = cases_for("train_capstone", hidden=request.param)
    return case


def verdict(case, pred):
    return EX.accept(case, (pred,))


def with_right(case, k):
    """Predictions with exactly k right answers (the others shifted by one digit)."""
    y = np.asarray(case.data)
    pred = y.copy()
    pred[k:] = (pred[k:] + 1) % 10
    return pred


def test_the_cases_are_two_different_splits_and_the_labels_stay_with_the_grader():
    (visible,), (hidden,) = (cases_for("train_capstone", hidden=h) for h in (False, True))
    for c in (visible, hidden):
        X_train, y_train, X_test = c.args
        assert X_train.shape == (1438, 64) and y_train.shape == (1438,)
        assert X_test.shape == (359, 64) and c.data.shape == (359,)
        assert "1,438 training and 359 test images" in c.note
        assert not any(a is c.data for a in c.args)
    assert not np.array_equal(visible.args[2], hidden.args[2])


def test_the_true_labels_pass(case):
    assert verdict(case, np.asarray(case.data)) is None


def test_the_threshold_is_97_percent(case):
    needed = int(np.ceil(0.97 * len(case.data)))  # 349 of 359
    assert verdict(case, with_right(case, needed)) is None
    message = verdict(case, with_right(case, needed - 1))
    assert f"reached 96.9% test accuracy ({needed - 1} of 359 right)" in message
    assert f"(at least {needed} right)" in message
    assert "the target is 97%" in message and "He initialisation" in message


def test_all_zeros_is_recognised(case):
    message = verdict(case, np.zeros(359, dtype=int))
    assert "Every prediction is the digit 0" in message and "not learned" in message


@pytest.mark.parametrize(("make", "expected"), [
    (lambda y: None, "did you forget to `return pred`"),
    (lambda y: list(y), "return a NumPy array"),
    (lambda y: np.eye(10)[y], "scores.argmax(axis=1)"),
    (lambda y: y[:-1], "shape (358,), expected (359,)"),
    (lambda y: y.reshape(-1, 1), "shape (359, 1), expected (359,)"),
    (lambda y: y.astype(float), "use pred.astype(int)"),
    (lambda y: y + 0.5, "not whole numbers"),
    (lambda y: y.astype(str), "return integer labels 0-9"),
    (lambda y: y + 1, "outside 0-9"),
    (lambda y: "7", "but it is a str"),
])
def test_a_wrong_shape_or_type_gets_a_specific_message(case, make, expected):
    message = verdict(case, make(np.asarray(case.data)))
    assert message is not None and expected in message, message


def test_predictions_in_the_wrong_order_are_far_below(case):
    pred = np.asarray(case.data)[np.random.default_rng(0).permutation(359)]
    message = verdict(case, pred)
    assert "far below" in message and "order of the rows of X_test" in message


def _nearest_centroid(X_train, y_train, X_test):
    """A weak model (no network at all): about 90 % on the digits."""
    centroids = np.stack([X_train[y_train == d].mean(axis=0) for d in range(10)])
    distances = ((X_test[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_weak_model_fails_the_check_with_its_accuracy(hidden):
    with pytest.raises(CheckFailed) as info:
        check("train_capstone", _nearest_centroid, hidden=hidden)
    message = str(info.value)
    assert message.startswith("train_capstone: your network reached ")
    assert "the target is 97%" in message
    assert ("held-out split" in message) is hidden


def test_a_model_returning_scores_fails_the_check():
    def scores(X_train, y_train, X_test):
        return np.zeros((len(X_test), 10))

    with pytest.raises(CheckFailed, match=r"argmax\(axis=1\)"):
        check("train_capstone", scores)


def test_the_criterion_holds_across_the_wire(case, tmp_path):
    """The autograder judges outcomes that crossed from the sandbox as plain data."""
    hidden = "held-out" in case.note

    def roundtrip(pred):
        wire.dump(outcome_to_data(Outcome(result=pred)), tmp_path, "outcome")
        return [outcome_from_data(wire.load(tmp_path, "outcome", max_bytes=10**7))]

    assert judge("train_capstone", roundtrip(np.asarray(case.data)), hidden=hidden).passed
    failed = judge("train_capstone", roundtrip(np.zeros(359, dtype=np.int64)), hidden=hidden)
    assert not failed.passed and "Every prediction is the digit 0" in failed.message


@pytest.mark.parametrize("ex_id", exercise_ids(LESSON))
def test_every_exercise_has_a_ladder_from_a_nudge_to_the_formula(ex_id):
    ladder = REGISTRY[ex_id].hints
    assert len(ladder) == 3, ladder
    assert "?" in ladder[0], "the first level is a nudge: it asks, it doesn't tell"
