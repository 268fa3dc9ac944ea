"""Lesson 7's capstone: its accept criterion passes good predictions and fails the others."""

import numpy as np
import pytest

from backprop import wire
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

EX = REGISTRY["train_capstone"]


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
