"""Tests for backprop.losses: values from the definitions, gradients from central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from backprop.gradcheck import numerical_gradient, rel_error
from backprop.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    mse_loss,
    softmax,
    softmax_cross_entropy,
)


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def numeric(loss_fn, x, *rest):
    return numerical_gradient(lambda v: loss_fn(v, *rest)[0], x.copy())


# -- MSE -----------------------------------------------------------------------------------


def test_mse_is_the_mean_over_all_elements(rng):
    pred, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss, dpred = mse_loss(pred, y)
    assert loss == pytest.approx(((pred - y) ** 2).sum() / 12)
    assert rel_error(dpred, numeric(mse_loss, pred, y)) < 1e-8


def test_mse_refuses_shapes_that_would_broadcast():
    with pytest.raises(ValueError, match=r"pred has shape \(4, 1\) but y has shape \(4,\).*resh"):
        mse_loss(np.zeros((4, 1)), np.zeros(4))


def test_mse_refuses_nan_and_integers():
    with pytest.raises(ValueError, match="pred contains 1 NaN"):
        mse_loss(np.array([1.0, np.nan]), np.zeros(2))
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        mse_loss(np.zeros(2), np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="pred has dtype int64"):
        mse_loss(np.arange(2), np.zeros(2))
    with pytest.raises(TypeError, match="pred must be a NumPy float array, got list"):
        mse_loss([1.0, 2.0], np.zeros(2))


# -- binary cross-entropy ------------------------------------------------------------------


def test_bce_matches_its_definition_and_gradient(rng):
    p = rng.uniform(0.05, 0.95, size=6)
    y = rng.integers(0, 2, size=6).astype(float)
    loss, dp = binary_cross_entropy(p, y)
    assert loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert rel_error(dp, numeric(binary_cross_entropy, p, y)) < 1e-7


def test_bce_is_finite_at_certain_predictions():
    loss, dp = binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert np.isfinite(loss) and loss > 20 and np.all(np.isfinite(dp))


def test_bce_refuses_non_probabilities():
    with pytest.raises(ValueError, match=r"p must hold probabilities in \[0, 1\].*with_logits"):
        binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"y must hold targets in \[0, 1\]"):
        binary_cross_entropy(np.array([0.5, 0.5]), np.array([0.0, 2.0]))


def test_bce_with_logits_equals_bce_of_the_sigmoid_and_its_gradient_is_the_error(rng):
    z = rng.normal(size=8) * 3
    y = rng.integers(0, 2, size=8).astype(float)
    p = 1 / (1 + np.exp(-z))
    loss, dz = binary_cross_entropy_with_logits(z, y)
    assert loss == pytest.approx(binary_cross_entropy(p, y)[0], rel=1e-10)
    np.testing.assert_allclose(dz, (p - y) / 8, rtol=1e-12)
    assert rel_error(dz, numeric(binary_cross_entropy_with_logits, z, y)) < 1e-8


def test_bce_with_logits_is_stable_for_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dz = binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]),
                                                    np.array([0.0, 1.0]))
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(dz, [0.5, -0.5])


# -- softmax cross-entropy -----------------------------------------------------------------


def test_softmax_rows_sum_to_one_and_ignore_a_shift(rng):
    scores = rng.normal(size=(5, 4))
    probs = softmax(scores)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(scores + 100.0), probs, rtol=1e-12)


def test_softmax_cross_entropy_matches_its_definition(rng):
    scores = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    loss, dscores = softmax_cross_entropy(scores, y)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.log(probs[np.arange(6), y]).mean())
    assert rel_error(dscores, numeric(softmax_cross_entropy, scores, y)) < 1e-8


def test_uniform_scores_give_log_c():
    loss, dscores = softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9]))
    assert loss == pytest.approx(np.log(10))
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_cross_entropy_is_finite_for_scores_of_1e4():
    scores = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dscores = softmax_cross_entropy(scores, np.array([2, 0]))
    assert np.isfinite(loss) and loss == pytest.approx((2e4 + (1e4 + np.log(2))) / 2)
    assert np.all(np.isfinite(dscores))


def test_softmax_cross_entropy_labels_are_checked():
    scores = np.zeros((3, 4))
    with pytest.raises(TypeError, match="y must hold integer class labels.*astype"):
        softmax_cross_entropy(scores, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="y holds the label 4, but there are 4 classes"):
        softmax_cross_entropy(scores, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match="y holds the label -1"):
        softmax_cross_entropy(scores, np.array([0, -1, 2]))
    with pytest.raises(ValueError, match=r"y has shape \(3, 4\).*one-hot.*argmax"):
        softmax_cross_entropy(scores, np.eye(4, dtype=int)[:3])
    with pytest.raises(ValueError, match=r"scores must have shape \(N, C\), got shape \(4,\)"):
        softmax_cross_entropy(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match="scores contains 1 NaN"):
        softmax_cross_entropy(np.array([[0.0, np.nan]]), np.array([0]))
